import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoNestLogger, createLogger } from '@app/common';
import { InboxConfig } from './config/inbox-config';
import { registerInboxBodyParsers } from './http/body-parsers';
import { DrfExceptionFilter } from './http/drf-exception.filter';
import { InboxModule } from './inbox.module';
import { bootDatabase, inboxDataSource } from './persistence/boot-database';

/** Boots one instance: database (migrate + first-boot identities, under a lock), then HTTP. */
export async function createInbox(config: InboxConfig): Promise<NestFastifyApplication> {
  const log = createLogger(config.LOG_LEVEL, 'inbox');
  const dataSource = inboxDataSource(config);
  await dataSource.initialize();
  try {
    await bootDatabase(dataSource, config);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    InboxModule.with(config, dataSource),
    new FastifyAdapter({
      bodyLimit: 1024 * 1024,
      trustProxy: true,
      routerOptions: { ignoreTrailingSlash: true },
    }),
    { logger: new PinoNestLogger(log), bodyParser: false, abortOnError: false },
  );
  registerInboxBodyParsers(app.getHttpAdapter().getInstance());
  app.useGlobalFilters(new DrfExceptionFilter());
  app.enableShutdownHooks();
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    if (dataSource.isInitialized) await dataSource.destroy();
  };
  return app;
}
