/**
 * The bootstrap contract (DESIGN.md): everything an inbox instance knows comes from these
 * variables. A missing or malformed one stops the instance with a message naming it.
 */
import {
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const SHA256 = /^[0-9a-f]{64}$/;
const sha256 = { message: 'must be 64 lowercase hex characters (a SHA-256)' };

export class InboxConfig {
  @IsInt() @Min(0) @Max(65535) PORT = 8000;
  @Matches(/^[0-9a-f]{32}$/, { message: 'must be 32 lowercase hex characters' }) INSTANCE_ID: string;
  @Matches(/^https?:\/\/[^\s/]+$/, {
    message: 'must be an http(s) origin without a path, e.g. https://acme.inbox.example.com',
  })
  PUBLIC_URL: string;
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' }) DATABASE_URL: string;
  @IsInt() @Min(1) @Max(100_000) MAX_NUMBER_OF_SEATS: number;
  @IsString() @MinLength(1) WABA_API_KEY: string;
  @IsString() @MinLength(32, { message: 'must be at least 32 characters' }) SECRET_KEY: string;

  @Matches(/^[\w.@+-]{1,150}$/, { message: 'must be 1-150 letters, digits or @.+-_' }) ADMIN_USERNAME =
    'admin';
  @IsOptional() @IsEmail({}, { message: 'must be an e-mail address' }) ADMIN_EMAIL?: string;
  @IsOptional() @Matches(SHA256, sha256) ADMIN_ACTIVATION_CODE_SHA256?: string;
  @IsOptional()
  @Matches(/^[\w.@+-]{1,150}$/, { message: 'must be 1-150 letters, digits or @.+-_' })
  CONFIGURATOR_USER_NAME?: string;
  @IsOptional() @Matches(SHA256, sha256) CONFIGURATOR_TOKEN_SHA256?: string;

  /** How long an activation link works. */
  @IsInt() @Min(1) ACTIVATION_CODE_TTL_HOURS = 7 * 24;
  @IsInt() @Min(60) SESSION_TTL_SECONDS = 14 * 24 * 3600;
  @IsString() LOG_LEVEL = 'info';
  /** Where the tenant's web inbox front-end lives (linked from the admin page). */
  @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' }) WEB_INBOX_URL?: string;
  @IsInt() @Min(1) @Max(50) DB_POOL_SIZE = 5;
}

const REQUIRED = [
  'INSTANCE_ID',
  'PUBLIC_URL',
  'DATABASE_URL',
  'MAX_NUMBER_OF_SEATS',
  'WABA_API_KEY',
  'SECRET_KEY',
];
const INTEGERS = [
  'PORT',
  'MAX_NUMBER_OF_SEATS',
  'ACTIVATION_CODE_TTL_HOURS',
  'SESSION_TTL_SECONDS',
  'DB_POOL_SIZE',
];
const SECRETS = new Set(['WABA_API_KEY', 'SECRET_KEY', 'DATABASE_URL']);

export class InboxConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid inbox configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function loadInboxConfig(env: NodeJS.ProcessEnv = process.env): InboxConfig {
  const config = new InboxConfig();
  const target = config as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of REQUIRED) if (!env[name]) problems.push(`${name} is required`);
  for (const name of Object.keys(new InboxConfig()).concat(REQUIRED, [
    'ADMIN_EMAIL',
    'ADMIN_ACTIVATION_CODE_SHA256',
    'CONFIGURATOR_USER_NAME',
    'CONFIGURATOR_TOKEN_SHA256',
    'WEB_INBOX_URL',
  ])) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (INTEGERS.includes(name)) {
      if (!/^\d+$/.test(raw))
        problems.push(
          `${name} must be a whole number (got ${SECRETS.has(name) ? 'a hidden value' : `"${raw}"`})`,
        );
      target[name] = Number(raw);
    } else target[name] = raw;
  }
  if (Boolean(config.CONFIGURATOR_USER_NAME) !== Boolean(config.CONFIGURATOR_TOKEN_SHA256)) {
    problems.push('CONFIGURATOR_USER_NAME and CONFIGURATOR_TOKEN_SHA256 go together: set both or neither');
  }
  for (const error of validateSync(config)) {
    if (problems.some((p) => p.startsWith(`${error.property} `))) continue;
    const messages = Object.values(error.constraints ?? {}).map((m) =>
      m.startsWith(`${error.property} `) ? m.slice(error.property.length + 1) : m,
    );
    problems.push(`${error.property} ${messages.join('; ')}`);
  }
  if (problems.length) throw new InboxConfigError(problems);
  return config;
}
