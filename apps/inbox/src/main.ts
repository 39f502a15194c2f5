/** The per-tenant inbox instance (seed 002's Integration API), configured by the bootstrap environment. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { InboxConfigError, loadInboxConfig } from './config/inbox-config';
import { createInbox } from './create-inbox';

async function main(): Promise<void> {
  const config = loadInboxConfig();
  const app = await createInbox(config);
  await app.listen(config.PORT, '0.0.0.0');
  // Migrated, seeded and listening: the instance's own boot-to-healthy, for operators and bench:e2e.
  new Logger('Inbox').log({ port: config.PORT, boot_ms: Math.round(performance.now()) }, 'ready to serve');
}

main().catch((error: unknown) => {
  const message = error instanceof InboxConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`inbox failed to start: ${message}\n`);
  process.exit(1);
});
