import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Channels } from './channels';
import { CustomerController, ProviderController, ProviderErrorFilter } from './sandbox.controller';
import { SandboxProvider } from './sandbox-provider';
import { RetrySchedule, WebhookSender, retryScheduleFrom } from './webhook-sender';

/**
 * The sandbox application, its state kept in `stateFile` (none: in memory, for tests), webhooks
 * retried on `retry` (the provider's schedule unless the environment shortens it).
 */
export async function createSandbox(
  stateFile?: string,
  retry: RetrySchedule = retryScheduleFrom(process.env),
): Promise<NestFastifyApplication> {
  const provider = new SandboxProvider(new Channels(stateFile), new WebhookSender(retry));
  @Module({
    controllers: [ProviderController, CustomerController],
    providers: [{ provide: SandboxProvider, useValue: provider }],
  })
  class SandboxModule {}
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxModule,
    new FastifyAdapter({ bodyLimit: 24 * 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } }),
    { logger: ['error', 'warn'] },
  );
  app.useGlobalFilters(new ProviderErrorFilter());
  // `POST /media` is multipart: handed to the controller as the raw body, read by busboy there.
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
  return app;
}
