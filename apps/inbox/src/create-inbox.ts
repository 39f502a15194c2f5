import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoNestLogger, createLogger } from '@app/common/logging/logger';
import { InboxConfig } from './config/inbox-config';
import { registerInboxBodyParsers } from './http/body-parsers';
import { DrfExceptionFilter } from './http/drf-exception.filter';
import { InboxModule } from './inbox.module';
import { bootDatabase } from './persistence/boot-database';
import { InboxDb } from './persistence/inbox-db';

/** Boots one instance: database (migrate + first-boot identities, under a lock), then HTTP. */
export async function createInbox(config: InboxConfig): Promise<NestFastifyApplication> {
  const log = createLogger(config.LOG_LEVEL, 'inbox');
  const db = InboxDb.connect(config.DATABASE_URL, config.DB_POOL_SIZE);
  try {
    await bootDatabase(db, config);
  } catch (error) {
    await db.close();
    throw error;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    InboxModule.with(config, db),
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
    await db.close();
  };
  return app;
}
