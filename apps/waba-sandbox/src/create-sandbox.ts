import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Channels } from './channels';
import { CustomerController, ProviderController, ProviderErrorFilter } from './sandbox.controller';
import { SandboxProvider } from './sandbox-provider';

/** The sandbox application, its state kept in `stateFile` (none: in memory, for tests). */
export async function createSandbox(stateFile?: string): Promise<NestFastifyApplication> {
  @Module({
    controllers: [ProviderController, CustomerController],
    providers: [{ provide: SandboxProvider, useValue: new SandboxProvider(new Channels(stateFile)) }],
  })
  class SandboxModule {}
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxModule,
    new FastifyAdapter({ bodyLimit: 8 * 1024 * 1024 }),
    { logger: ['error', 'warn'] },
  );
  app.useGlobalFilters(new ProviderErrorFilter());
  return app;
}
