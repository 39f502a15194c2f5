import { validateSync } from 'class-validator';
import { PlatformConfig, SECRET_VARIABLES } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The local mail catcher (apps/mail-catcher) listens here. */
export const LOCAL_MAIL_CATCHER_SMTP = 'smtp://127.0.0.1:1025';

/** Variables without a default, so not among the schema object's own keys. */
const OPTIONAL_VARIABLES = [
  'TENANT_DATABASE_ADMIN_URL',
  'SMTP_URL',
  'SECRETS_ENCRYPTION_KEY',
  'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  'D360_HUB_URL',
  'D360_PARTNER_ID',
  'D360_PARTNER_API_KEY',
  'K8S_CLUSTER_ISSUER',
];

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  false: false,
  '0': false,
  no: false,
};

const shown = (name: string, raw: string) => (SECRET_VARIABLES.has(name) ? 'a hidden value' : `"${raw}"`);

/** Converts one raw environment string to the type the schema's default has. */
function coerce(name: string, raw: string, sample: unknown, problems: string[]): unknown {
  if (typeof sample === 'number') {
    if (!/^-?\d+$/.test(raw.trim())) problems.push(`${name} must be an integer (got ${shown(name, raw)})`);
    return Number(raw);
  }
  if (name === 'WEBHOOK_ALLOW_PRIVATE_NETWORKS' || typeof sample === 'boolean') {
    const value = BOOLEAN_WORDS[raw.trim().toLowerCase()];
    if (value === undefined) problems.push(`${name} must be true or false (got ${shown(name, raw)})`);
    return value;
  }
  return raw;
}

/**
 * Reads the configuration from an environment map, applies defaults and validates it.
 * Throws ConfigError naming every bad variable; secret values are never echoed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const config = new PlatformConfig();
  const problems: string[] = [];
  const target = config as unknown as Record<string, unknown>;
  const known = new Set([...Object.keys(config), ...OPTIONAL_VARIABLES]);
  for (const name of known) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    target[name] = coerce(name, raw, target[name], problems);
  }
  if (config.WEBHOOK_ALLOW_PRIVATE_NETWORKS === undefined) {
    config.WEBHOOK_ALLOW_PRIVATE_NETWORKS = config.RUNTIME_DRIVER === 'local';
  }
  config.TENANT_DATABASE_ADMIN_URL ??= config.DATABASE_URL;
  if (config.RUNTIME_DRIVER === 'local') config.SMTP_URL ??= LOCAL_MAIL_CATCHER_SMTP;
  for (const error of validateSync(config)) {
    if (problems.some((p) => p.startsWith(`${error.property} `))) continue;
    const messages = Object.values(error.constraints ?? {}).map((m) =>
      m.startsWith(`${error.property} `) ? m.slice(error.property.length + 1) : m,
    );
    problems.push(`${error.property} ${messages.join('; ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
