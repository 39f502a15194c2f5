/**
 * The WhatsApp sandbox (local mode): a stand-in for the provider (360dialog's Cloud API dialect)
 * with a page where a person plays the customer. Port WABA_SANDBOX_PORT (1090); state in
 * LOCAL_STATE_DIR/waba-sandbox.json.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { createSandbox } from './create-sandbox';

async function main(): Promise<void> {
  const app = await createSandbox(join(process.env.LOCAL_STATE_DIR ?? '.local', 'waba-sandbox.json'));
  const port = Number(process.env.WABA_SANDBOX_PORT ?? 1090);
  await app.listen(port, '127.0.0.1');
  process.stdout.write(`WhatsApp sandbox: http://127.0.0.1:${port}/ (play the customer there)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`WhatsApp sandbox failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
