/** The inbox application on the main thread: a cold start, or a warm process waiting for its tenant. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { BootstrapEnvError, STANDBY_FLAG, parseBootstrapEnv } from '@app/bootstrap';
import { PreparedInbox, bindTenant, prepareInbox } from './create-inbox';
import { awaitHandOver } from './standby';

/**
 * Binds the tenant and listens. `startedAt`: process start (0, a cold start: the application is
 * prepared after the configuration passed), or a warm process's hand-over (`prepared` already).
 */
async function serve(startedAt: number, prepared?: PreparedInbox): Promise<void> {
  const config = parseBootstrapEnv();
  const app = await bindTenant(prepared ?? (await prepareInbox()), config);
  await app.listen(config.PORT, config.LISTEN_HOST);
  // Migrated, seeded and listening: the instance's own boot-to-healthy, for operators and bench:e2e.
  new Logger('Inbox').log(
    { port: config.PORT, boot_ms: Math.round(performance.now() - startedAt), warm: startedAt > 0 },
    'ready to serve',
  );
}

function exitWith(error: unknown): never {
  const message =
    error instanceof BootstrapEnvError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`inbox failed to start: ${message}\n`);
  process.exit(1);
}

if (process.argv.includes(STANDBY_FLAG)) {
  // Warm: build everything now, learn the tenant at hand-over.
  prepareInbox().then(
    (prepared) => awaitHandOver((handedOverAt) => serve(handedOverAt, prepared).catch(exitWith)),
    exitWith,
  );
} else {
  serve(0).catch(exitWith);
}
