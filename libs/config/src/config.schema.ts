/**
 * The platform's configuration: every environment variable, its default and its rules.
 * Validated once at start-up; a bad variable stops the process with a message naming it.
 */
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
// Relative: the config is also loaded where no path mapping exists (Jest's globalSetup, scripts).
import { WEBHOOK_RETRY_SCHEDULE_MS } from '../../bootstrap/src/bootstrap-env';

const URL_WITH_SCHEME = (schemes: string) => new RegExp(`^(${schemes})://\\S+$`);

export class PlatformConfig {
  /** partner-api HTTP port */
  @IsInt() @Min(0) @Max(65535) PORT = 3000;

  @Matches(URL_WITH_SCHEME('postgres|postgresql'), { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/partner_platform';

  /** Server where tenant databases and roles are created; defaults to DATABASE_URL's server. */
  @IsOptional()
  @Matches(URL_WITH_SCHEME('postgres|postgresql'), { message: 'must be a postgres:// URL' })
  TENANT_DATABASE_ADMIN_URL?: string;

  @Matches(URL_WITH_SCHEME('redis|rediss'), { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsIn(['local', 'kubernetes']) RUNTIME_DRIVER: 'local' | 'kubernetes' = 'local';
  @IsIn(['sandbox', '360dialog']) WABA_PROVIDER: 'sandbox' | '360dialog' = 'sandbox';

  /** 360dialog partner API (WABA_PROVIDER=360dialog). */
  @ValidateIf((c: PlatformConfig) => c.WABA_PROVIDER === '360dialog')
  @Matches(URL_WITH_SCHEME('https?'), {
    message: 'must be an http(s) URL; required when WABA_PROVIDER=360dialog',
  })
  D360_HUB_URL?: string;
  @ValidateIf((c: PlatformConfig) => c.WABA_PROVIDER === '360dialog')
  @Matches(/^[\w-]{1,64}$/, {
    message: 'must be your 360dialog partner id; required when WABA_PROVIDER=360dialog',
  })
  D360_PARTNER_ID?: string;
  @ValidateIf((c: PlatformConfig) => c.WABA_PROVIDER === '360dialog')
  @IsString({ message: 'must be set when WABA_PROVIDER=360dialog' })
  D360_PARTNER_API_KEY?: string;
  /** Header that carries D360_PARTNER_API_KEY. */
  @Matches(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be an HTTP header name' }) D360_API_KEY_HEADER =
    'x-api-key';
  @IsInt() @Min(100) @Max(120_000) PROVIDER_TIMEOUT_MS = 10_000;
  /** The WhatsApp API instances call with their key when WABA_PROVIDER=360dialog (their WABA_API_URL). */
  @Matches(URL_WITH_SCHEME('https?'), {
    message: 'must be an http(s) URL, e.g. https://waba-v2.360dialog.io',
  })
  D360_WABA_API_URL = 'https://waba-v2.360dialog.io';
  /** The local WhatsApp sandbox (apps/waba-sandbox): instances' WABA_API_URL when WABA_PROVIDER=sandbox. */
  @Matches(URL_WITH_SCHEME('https?'), { message: 'must be an http(s) URL, e.g. http://127.0.0.1:1090' })
  WABA_SANDBOX_URL = 'http://127.0.0.1:1090';

  /** The Partner API's public base URL: pagination links (`next`, `previous`) are built from it, never from request headers. */
  @Matches(URL_WITH_SCHEME('https?'), { message: 'must be an http(s) URL, e.g. https://api.example.com' })
  PUBLIC_API_URL = 'http://localhost:3000';
  /** Proxies whose X-Forwarded-* headers are believed (comma-separated addresses or CIDRs); none by default. */
  @IsOptional()
  @Matches(/^[\d.:a-fA-F/]+(\s*,\s*[\d.:a-fA-F/]+)*$/, {
    message: 'must be comma-separated IP addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1',
  })
  TRUSTED_PROXIES?: string;

  /** Instance URLs are {PUBLIC_SCHEME}://{subdomain}.{BASE_DOMAIN} */
  @Matches(/^[a-z0-9.-]+(:\d{1,5})?$/, { message: 'must be a host name, optionally with :port' })
  BASE_DOMAIN = 'localhost:8080';
  @IsIn(['http', 'https']) PUBLIC_SCHEME: 'http' | 'https' = 'http';

  @IsInt() @Min(0) @Max(65535) GATEWAY_PORT = 8080;

  /** Defaults to the local mail catcher (smtp://127.0.0.1:1025) in local mode; the worker requires it otherwise. */
  @IsOptional()
  @Matches(URL_WITH_SCHEME('smtp|smtps'), { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;
  @IsString() MAIL_FROM = 'WhatsApp Inbox <no-reply@localhost>';

  /** Defaults to true in local mode, false otherwise (see resolveDefaults). */
  @IsBoolean() WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean;

  /** 32 bytes, base64 or hex. Generated into .local/ in local mode; required otherwise. */
  @ValidateIf((c: PlatformConfig) => c.RUNTIME_DRIVER !== 'local' || c.SECRETS_ENCRYPTION_KEY !== undefined)
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, {
    message:
      'must be 32 bytes encoded as base64 (44 characters) or hex (64 characters); required unless RUNTIME_DRIVER=local',
  })
  SECRETS_ENCRYPTION_KEY?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';

  /** PostgreSQL connection pool size per process. */
  @IsInt() @Min(1) @Max(200) DB_POOL_SIZE = 20;

  /** How long a verified API key is trusted without asking the database: a revocation or a limit change takes effect within this. 0 = always ask. */
  @IsInt() @Min(0) @Max(60_000) API_KEY_CACHE_TTL_MS = 2000;

  /** How often the outbox relay looks for jobs not yet handed to Redis. */
  @IsInt() @Min(50) @Max(60_000) OUTBOX_POLL_INTERVAL_MS = 1000;

  /** Worker: how many provisioning / delivery jobs one worker process runs at once. */
  @IsInt() @Min(1) @Max(1000) PROVISIONING_CONCURRENCY = 20;
  @IsInt() @Min(1) @Max(1000) DELIVERY_CONCURRENCY = 20;
  /** Worker: a job whose worker stopped renewing its lock for this long is taken over by another. */
  @IsInt() @Min(500) @Max(600_000) WORKER_LOCK_DURATION_MS = 30_000;
  /** Worker: optional port for /healthz and /metrics (0 = none). */
  @IsInt() @Min(0) @Max(65535) WORKER_HEALTH_PORT = 0;
  /** Worker: how often unfinished work is re-enqueued in case Redis lost it (idempotent). */
  @IsInt() @Min(1000) @Max(86_400_000) RECONCILE_INTERVAL_MS = 60_000;
  /** Worker: admin connections for creating and dropping tenant databases; more work waits for one (a delete storm slows down, it does not fail). */
  @IsInt() @Min(1) @Max(100) TENANT_DATABASE_ADMIN_POOL_SIZE = 4;
  /** Empty databases kept ready so a new instance claims one instead of waiting for CREATE DATABASE. */
  @IsInt() @Min(0) @Max(500) TENANT_DATABASE_SPARES = 3;

  /**
   * Worker: how often every ready instance's health is checked (and, in local mode, a dead process
   * started again); 0 turns the watch off. An instance is reported unhealthy after
   * HEALTH_WATCH_FAILURES checks in a row without a 200, or at once when its process is gone.
   */
  @IsInt() @Min(0) @Max(86_400_000) HEALTH_WATCH_INTERVAL_MS = 10_000;
  @IsInt() @Min(1) @Max(100) HEALTH_WATCH_FAILURES = 3;

  /** An instance not healthy this long after its deploy is `failed`. */
  @IsInt() @Min(1000) @Max(86_400_000) HEALTH_DEADLINE_MS = 600_000;

  /** Webhook, partner-event and e-mail attempts: delays before attempts 1..8 (Svix's schedule). */
  @Matches(/^\d+(,\d+){7}$/, {
    message: 'must be 8 comma-separated millisecond delays, e.g. 0,5000,300000,...',
  })
  DELIVERY_RETRY_SCHEDULE_MS = WEBHOOK_RETRY_SCHEDULE_MS;
  /** One webhook request may take this long. */
  @IsInt() @Min(100) @Max(120_000) WEBHOOK_TIMEOUT_MS = 15_000;

  /** Kubernetes runtime (RUNTIME_DRIVER=kubernetes); the cluster comes from KUBECONFIG or the pod's service account. */
  @Matches(/^[a-z0-9]([-a-z0-9]{0,20})$/, { message: 'must be a short DNS label prefix, e.g. inbox-' })
  K8S_NAMESPACE_PREFIX = 'inbox-';
  @Matches(/^[\w.\-/:]+$/, { message: 'must be an image reference without tag' })
  INBOX_IMAGE = 'ghcr.io/partner-platform/inbox';
  @Matches(/^[\w.-]{1,128}$/, { message: 'must be an image tag' }) INBOX_IMAGE_TAG = '0.1.0';
  @IsString() K8S_INGRESS_CLASS = 'nginx';
  /** cert-manager ClusterIssuer for instance TLS; unset = no TLS on the Ingress. */
  @IsOptional() @IsString() K8S_CLUSTER_ISSUER?: string;
  @IsString() K8S_INGRESS_CONTROLLER_NAMESPACE = 'ingress-nginx';
  @Matches(/^[\d.]+\/\d{1,2}$/, { message: 'must be an IPv4 CIDR, e.g. 10.0.0.0/8' }) K8S_DATABASE_CIDR =
    '10.0.0.0/8';
  @IsString() INBOX_CPU_REQUEST = '50m';
  @IsString() INBOX_MEMORY_REQUEST = '96Mi';
  @IsString() INBOX_CPU_LIMIT = '500m';
  @IsString() INBOX_MEMORY_LIMIT = '192Mi';
  /** Health check URL; {namespace}, {subdomain}, {base_domain} are filled in. */
  @IsString() K8S_HEALTH_URL = 'http://inbox.{namespace}.svc';
  @IsInt() @Min(1000) @Max(3_600_000) K8S_ROLLOUT_TIMEOUT_MS = 300_000;
  @IsInt() @Min(100) @Max(120_000) K8S_API_TIMEOUT_MS = 15_000;
  /** Namespaces with our labels whose instance is deleted or unknown: `report`, `delete` or `off`. */
  @IsIn(['off', 'report', 'delete']) K8S_RECONCILE: 'off' | 'report' | 'delete' = 'report';
  @IsInt() @Min(5000) @Max(86_400_000) K8S_RECONCILE_INTERVAL_MS = 300_000;

  /** Where local mode keeps generated state (the local secrets key, instance data). */
  @IsString() LOCAL_STATE_DIR = '.local';
  /** Local runtime: inbox processes started ahead with their code loaded, so a deploy only boots the tenant. */
  @IsInt() @Min(0) @Max(200) LOCAL_WARM_INSTANCES = 2;

  /** Defaults for partners created without explicit limits. */
  @IsInt() @Min(0) DEFAULT_INSTANCE_QUOTA = 100;
  @IsInt() @Min(1) DEFAULT_MAX_SEATS = 50;
}

/** Secret variables: never printed, not even in validation errors. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'D360_PARTNER_API_KEY',
  'SECRETS_ENCRYPTION_KEY',
  'DATABASE_URL',
  'TENANT_DATABASE_ADMIN_URL',
  'REDIS_URL',
  'SMTP_URL',
]);
