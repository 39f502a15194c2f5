/**
 * The bootstrap contract (DESIGN.md): everything an inbox instance knows comes from these
 * variables. The provisioning pipeline produces them with `renderBootstrapEnv`, the instance parses
 * them with `parseBootstrapEnv`; a missing or malformed one stops the instance with a message
 * naming it. Validated by hand, not with class-validator: one less library in every tenant's memory.
 */

/** The environment of one instance, as the runtime passes it (strings; PORT is the runtime's). */
export function renderBootstrapEnv(values: InstanceBootstrap): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as [string, string | number | undefined][]) {
    if (value !== undefined && value !== '') env[name] = String(value);
  }
  return env;
}

/**
 * Webhook retries, Svix's schedule: delays in ms before attempts 1..8 (at once, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h). The control plane's deliveries and every instance's relay use it.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS = '0,5000,300000,1800000,7200000,18000000,36000000,36000000';

export class BootstrapEnv {
  PORT = 8000;
  /** Interface to listen on: all (a pod behind its Service) by default; loopback in local mode, where only the gateway may reach it. */
  LISTEN_HOST = '0.0.0.0';
  INSTANCE_ID: string;
  PUBLIC_URL: string;
  DATABASE_URL: string;
  MAX_NUMBER_OF_SEATS: number;
  WABA_API_KEY: string;
  /** The provider's API for this key (360dialog's, or the local WhatsApp sandbox). */
  WABA_API_URL = 'https://waba-v2.360dialog.io';
  /** The secret in the instance's provider-webhook path (providers do not sign their webhooks). */
  WABA_WEBHOOK_SECRET: string;
  SECRET_KEY: string;
  ADMIN_USERNAME = 'admin';
  ADMIN_EMAIL?: string;
  ADMIN_ACTIVATION_CODE_SHA256?: string;
  CONFIGURATOR_USER_NAME?: string;
  CONFIGURATOR_TOKEN_SHA256?: string;
  /** How long an activation link works. */
  ACTIVATION_CODE_TTL_HOURS = 7 * 24;
  SESSION_TTL_SECONDS = 14 * 24 * 3600;
  LOG_LEVEL = 'info';
  /** Where the tenant's web inbox front-end lives (linked from the admin page). */
  WEB_INBOX_URL?: string;
  DB_POOL_SIZE = 5;
  /** Lets per-user webhooks reach loopback and private addresses (local mode and tests only). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS = false;
  /** The relay's retry schedule: the control plane's DELIVERY_RETRY_SCHEDULE_MS. */
  RELAY_RETRY_SCHEDULE_MS = WEBHOOK_RETRY_SCHEDULE_MS;
  /** How long one relayed webhook or rule engine call may take: the control plane's WEBHOOK_TIMEOUT_MS. */
  RELAY_TIMEOUT_MS = 10_000;
  /**
   * Chats of one webhook posted side by side (each chat's own messages stay in order): with a
   * receiver that answers in 200 ms, 8 kept up with 40 messages/s, 32 with 160.
   */
  RELAY_CONCURRENCY = 32;
}

/** What the pipeline decides for each instance; the rest of BootstrapEnv are the instance's own defaults. */
export type InstanceBootstrap = Pick<
  BootstrapEnv,
  | 'INSTANCE_ID'
  | 'PUBLIC_URL'
  | 'DATABASE_URL'
  | 'MAX_NUMBER_OF_SEATS'
  | 'WABA_API_KEY'
  | 'WABA_API_URL'
  | 'WABA_WEBHOOK_SECRET'
  | 'SECRET_KEY'
  | 'ADMIN_USERNAME'
> &
  Partial<
    Pick<
      BootstrapEnv,
      | 'ADMIN_EMAIL'
      | 'ADMIN_ACTIVATION_CODE_SHA256'
      | 'CONFIGURATOR_USER_NAME'
      | 'CONFIGURATOR_TOKEN_SHA256'
      | 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'
      | 'RELAY_RETRY_SCHEDULE_MS'
      | 'RELAY_TIMEOUT_MS'
      | 'RELAY_CONCURRENCY'
    >
  >;

type Rule = {
  required?: boolean;
  integer?: [min: number, max: number];
  boolean?: true;
  pattern?: RegExp;
  message?: string;
  secret?: boolean;
};

const SHA256: Rule = {
  pattern: /^[0-9a-f]{64}$/,
  message: 'must be 64 lowercase hex characters (a SHA-256)',
};
const USERNAME: Rule = { pattern: /^[\w.@+-]{1,150}$/, message: 'must be 1-150 letters, digits or @.+-_' };

const RULES: Record<keyof BootstrapEnv, Rule> = {
  PORT: { integer: [0, 65535] },
  LISTEN_HOST: {
    pattern: /^[\d.]+$|^[\da-fA-F:]+$/,
    message: 'must be an IP address, e.g. 127.0.0.1 or 0.0.0.0',
  },
  INSTANCE_ID: { required: true, pattern: /^[0-9a-f]{32}$/, message: 'must be 32 lowercase hex characters' },
  PUBLIC_URL: {
    required: true,
    pattern: /^https?:\/\/[^\s/]+$/,
    message: 'must be an http(s) origin without a path, e.g. https://acme.inbox.example.com',
  },
  DATABASE_URL: {
    required: true,
    pattern: /^postgres(ql)?:\/\/\S+$/,
    message: 'must be a postgres:// URL',
    secret: true,
  },
  MAX_NUMBER_OF_SEATS: { required: true, integer: [1, 100_000] },
  WABA_API_KEY: { required: true, secret: true },
  WABA_API_URL: {
    pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
    message: 'must be an http(s) URL, e.g. https://waba-v2.360dialog.io',
  },
  WABA_WEBHOOK_SECRET: {
    required: true,
    pattern: /^[A-Za-z0-9_-]{32,128}$/,
    message: 'must be 32-128 URL-safe characters (it goes into a URL path)',
    secret: true,
  },
  SECRET_KEY: {
    required: true,
    pattern: /^.{32,}$/s,
    message: 'must be at least 32 characters',
    secret: true,
  },
  ADMIN_USERNAME: USERNAME,
  ADMIN_EMAIL: { pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, message: 'must be an e-mail address' },
  ADMIN_ACTIVATION_CODE_SHA256: SHA256,
  CONFIGURATOR_USER_NAME: USERNAME,
  CONFIGURATOR_TOKEN_SHA256: SHA256,
  ACTIVATION_CODE_TTL_HOURS: { integer: [1, 24 * 365] },
  SESSION_TTL_SECONDS: { integer: [60, 365 * 24 * 3600] },
  LOG_LEVEL: {
    pattern: /^(fatal|error|warn|info|debug|trace|silent)$/,
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  },
  WEB_INBOX_URL: { pattern: /^https?:\/\/\S+$/, message: 'must be an http(s) URL' },
  DB_POOL_SIZE: { integer: [1, 50] },
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: { boolean: true },
  RELAY_TIMEOUT_MS: { integer: [100, 120_000] },
  RELAY_CONCURRENCY: { integer: [1, 256] },
  RELAY_RETRY_SCHEDULE_MS: {
    pattern: /^\d{1,9}(,\d{1,9}){0,19}$/,
    message: 'must be 1-20 comma-separated delays in milliseconds, e.g. 0,5000,300000',
  },
};

export class BootstrapEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid inbox configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

function check(name: string, raw: string, rule: Rule): [unknown, string | undefined] {
  if (rule.boolean)
    return raw === 'true' || raw === 'false' ? [raw === 'true', undefined] : [raw, 'must be true or false'];
  if (rule.integer) {
    const [min, max] = rule.integer;
    const value = Number(raw);
    if (!/^\d+$/.test(raw))
      return [value, `must be a whole number (got ${rule.secret ? 'a hidden value' : `"${raw}"`})`];
    if (value < min || value > max) return [value, `must be between ${min} and ${max}`];
    return [value, undefined];
  }
  if (rule.pattern && !rule.pattern.test(raw)) return [raw, rule.message ?? `is malformed`];
  return [raw, undefined];
}

export function parseBootstrapEnv(env: Record<string, string | undefined> = process.env): BootstrapEnv {
  const config = new BootstrapEnv();
  const target = config as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(RULES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (rule.required) problems.push(`${name} is required`);
      continue;
    }
    const [value, problem] = check(name, raw, rule);
    if (problem) problems.push(`${name} ${problem}`);
    target[name] = value;
  }
  if (Boolean(config.CONFIGURATOR_USER_NAME) !== Boolean(config.CONFIGURATOR_TOKEN_SHA256)) {
    problems.push('CONFIGURATOR_USER_NAME and CONFIGURATOR_TOKEN_SHA256 go together: set both or neither');
  }
  if (problems.length) throw new BootstrapEnvError(problems);
  return config;
}
