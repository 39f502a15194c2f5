import 'reflect-metadata';
import { PlatformConfig, loadConfig } from '@app/config';
import { createPartnerApi } from './bootstrap';

async function main(): Promise<void> {
  loadConfig(); // fail fast, before any module starts, with every bad variable named
  const app = await createPartnerApi();
  const config = app.get(PlatformConfig);
  await app.listen(config.PORT);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `partner-api failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
