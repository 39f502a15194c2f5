import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import {
  MAX_PARAM_LENGTH,
  SERVER_TIMEOUTS,
  answerMethodNotAllowed,
  frameworkErrors,
} from '@app/common/http/fastify-hardening';
import { PinoNestLogger, createLogger } from '@app/common/logging/logger';
import { BootstrapEnv } from '@app/bootstrap';
import { INBOX_BODY_LIMIT, registerInboxBodyParsers } from './http/body-parsers';
import { DrfExceptionFilter } from './http/drf-exception.filter';
import { registerApiDocs } from './http/api-docs';
import { registerTextGuard } from './http/text-guard';
import { removeStaleSpools } from './http/upload-spool';
import { ApiAuthGuard } from './identity/api-auth.guard';
import { TokenCipher } from './identity/token-cipher';
import { InboxModule } from './inbox.module';
import { bootDatabase } from './persistence/boot-database';
import { WebhookRegistration } from './provider/webhook-registration';
import { LiveEvents } from './live/live-events';
import { LiveSockets } from './live/live-sockets';
import { RelayPump } from './relay/relay-pump';
import { PendingSends } from './conversations/pending-sends';
import { InboxDb } from './persistence/inbox-db';
import { CorsPolicy } from './settings/cors-policy';

/** An inbox application built and initialised, not yet knowing its tenant. */
export interface PreparedInbox {
  app: NestFastifyApplication;
  config: BootstrapEnv;
  db: InboxDb;
  tokens: TokenCipher;
  log: Logger;
}

/**
 * Everything that does not depend on the tenant: the Nest application, its routes, Fastify made
 * ready. A warm process (standby.ts) does this before its hand-over; a cold start right before
 * bindTenant. The services hold the config, database and token cipher objects bound later.
 */
export async function prepareInbox(logLevel = process.env.LOG_LEVEL ?? 'info'): Promise<PreparedInbox> {
  const log = createLogger(logLevel, 'inbox');
  const config = new BootstrapEnv();
  const db = new InboxDb();
  const tokens = new TokenCipher();
  const app = await NestFactory.create<NestFastifyApplication>(
    InboxModule.with(config, db, tokens),
    new FastifyAdapter({
      bodyLimit: INBOX_BODY_LIMIT,
      // Nothing reads the client's address or Host: public URLs come from PUBLIC_URL, so no
      // forwarded header is believed.
      trustProxy: false,
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
      frameworkErrors,
      ...SERVER_TIMEOUTS,
    }),
    { logger: new PinoNestLogger(log), bodyParser: false, abortOnError: false },
  );
  answerMethodNotAllowed(app.getHttpAdapter().getInstance(), (method) => ({
    detail: `Method "${method}" not allowed.`,
  }));
  const guard = app.get(ApiAuthGuard);
  await registerInboxBodyParsers(app, (request) => guard.authenticate(request));
  registerTextGuard(app.getHttpAdapter().getInstance());
  await app.get(CorsPolicy).register(app.getHttpAdapter().getInstance());
  await app.get(LiveSockets).register(app.getHttpAdapter().getInstance());
  app.useGlobalFilters(new DrfExceptionFilter());
  registerApiDocs(app);
  app.enableShutdownHooks();
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await db.close();
  };
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, config, db, tokens, log };
}

/** Binds the tenant: its configuration, its database (migrated and seeded under a lock), its token key. */
export async function bindTenant(
  prepared: PreparedInbox,
  config: BootstrapEnv,
): Promise<NestFastifyApplication> {
  Object.assign(prepared.config, config);
  prepared.log.level = config.LOG_LEVEL;
  prepared.tokens.bind(config.SECRET_KEY);
  prepared.db.bind(config.DATABASE_URL, config.DB_POOL_SIZE);
  try {
    await bootDatabase(prepared.db, prepared.config);
  } catch (error) {
    await prepared.app.close();
    throw error;
  }
  prepared.app.get(WebhookRegistration).start();
  await prepared.app.get(LiveEvents).start();
  await prepared.app.get(RelayPump).start();
  prepared.app.get(PendingSends).start();
  removeStaleSpools();
  return prepared.app;
}

/** Boots one instance: application, then database (migrate + first-boot identities, under a lock). */
export async function createInbox(config: BootstrapEnv): Promise<NestFastifyApplication> {
  return bindTenant(await prepareInbox(config.LOG_LEVEL), config);
}
