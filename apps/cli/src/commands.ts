/**
 * Operator commands: migrations, partners, their limits and API keys. Each prints one JSON value
 * on stdout; problems go to stderr with exit code 1 (usage: 2).
 */
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { SecretBox, resolveSecretsKey } from '@app/common';
import { PartnerAdminService, PartnerLimits, dataSourceOptions, runMigrations } from '@app/domain';

export class UsageError extends Error {}

export const USAGE = `usage: npm run cli -- <command>
  migrate                                   create the database if needed and apply migrations
  partner:create <partner_id> [limits]      create a partner; prints partner_id, api_key, signing_secret
  partner:update <partner_id> [limits]      change a partner's limits
  partner:list                              partners, limits and keys (prefixes only)
  key:issue <partner_id>                    issue another API key
  key:revoke <key_id | prefix | api_key>    revoke a key
limits: --instance-quota N  --max-seats N  --event-url URL (use "" to clear)`;

function limitsFrom(values: Record<string, string | boolean | undefined>): PartnerLimits {
  const integer = (name: string): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw new UsageError(`--${name} takes a whole number`);
    return Number(raw);
  };
  const eventUrl = values['event-url'];
  return {
    instanceQuota: integer('instance-quota'),
    maxSeats: integer('max-seats'),
    eventUrl: eventUrl === undefined ? undefined : eventUrl === '' ? null : String(eventUrl),
  };
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'instance-quota': { type: 'string' },
        'max-seats': { type: 'string' },
        'event-url': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 2) throw new UsageError(`${positionals[0]} takes exactly one argument: ${what}`);
  return positionals[1];
}

export async function runCommand(argv: string[], config: PlatformConfig): Promise<unknown> {
  const { values, positionals } = parse(argv);
  const command = positionals[0];
  if (command === undefined || command === 'help') throw new UsageError('no command given');
  if (command === 'migrate') return { applied: await runMigrations(config) };
  const dataSource = new DataSource(dataSourceOptions({ ...config, DB_POOL_SIZE: 2 }));
  await dataSource.initialize();
  try {
    const admin = new PartnerAdminService(dataSource, new SecretBox(resolveSecretsKey(config)), {
      instanceQuota: config.DEFAULT_INSTANCE_QUOTA,
      maxSeats: config.DEFAULT_MAX_SEATS,
    });
    switch (command) {
      case 'partner:create':
        return await admin.createPartner(onePositional(positionals, '<partner_id>'), limitsFrom(values));
      case 'partner:update': {
        const partner = await admin.updatePartner(
          onePositional(positionals, '<partner_id>'),
          limitsFrom(values),
        );
        return {
          partner_id: partner.id,
          instance_quota: partner.instanceQuota,
          max_seats: partner.maxSeats,
          event_url: partner.eventUrl,
        };
      }
      case 'partner:list':
        return await admin.listPartners();
      case 'key:issue':
        return await admin.issueKey(onePositional(positionals, '<partner_id>'));
      case 'key:revoke':
        return await admin.revokeKey(onePositional(positionals, '<key_id | prefix | api_key>'));
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await dataSource.destroy();
  }
}
