/** Local mail catcher: SMTP on MAIL_CATCHER_SMTP_PORT (1025), web page on MAIL_CATCHER_HTTP_PORT (1080). */
import { join } from 'node:path';
import { MailCatcher } from './mail-catcher';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  const catcher = new MailCatcher(join(process.env.LOCAL_STATE_DIR ?? '.local', 'mail'));
  const { smtpPort, httpPort } = await catcher.listen(
    port('MAIL_CATCHER_SMTP_PORT', 1025),
    port('MAIL_CATCHER_HTTP_PORT', 1080),
  );
  process.stdout.write(
    `mail catcher: SMTP on 127.0.0.1:${smtpPort}, messages at http://127.0.0.1:${httpPort}/\n`,
  );
  const stop = () => void catcher.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`mail catcher failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
