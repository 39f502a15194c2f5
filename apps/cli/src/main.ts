import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/config';
import { PartnerAdminError } from '@app/domain';
import { USAGE, UsageError, runCommand } from './commands';

async function main(): Promise<number> {
  try {
    const result = await runCommand(process.argv.slice(2), loadConfig());
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    const known = error instanceof PartnerAdminError || error instanceof ConfigError;
    process.stderr.write(`error: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
