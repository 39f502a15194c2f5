/**
 * The provisioning pipeline (DESIGN.md, step 2): credentials → database → deploy → await health →
 * ready. Each step is idempotent and checkpointed on the instance row, so a retried job, or the
 * same job taken over from a crashed worker, resumes where it stopped. Secrets the runtime needs
 * again later (database password, SECRET_KEY) are stored encrypted BEFORE they are used, so a
 * crash never leaves a role or process whose secret nobody knows.
 */
import { Logger } from '@nestjs/common';
import { SecretBox, crashPoint, randomHex } from '@app/common';
import { Instance, InstanceStatus, instanceUrls } from '@app/domain';
import { WabaCredentialsProvider } from '../credentials/waba-credentials';
import { waitUntilHealthy } from '../health-wait';
import { RuntimeDriver } from '@app/runtime';
import { PermanentStepError, TransientStepError } from '@app/common/errors/step-errors';
import { TenantDatabases, newDatabasePassword } from '../tenant-databases';
import { createHmac } from 'node:crypto';
import { renderBootstrapEnv } from '@app/bootstrap';
import { InstanceMovedOn, InstanceLifecycle, partnerEventJob } from '@app/instances';

/** The worker is shutting down: put the job back, it resumes elsewhere. */
export class ShutdownAbort extends Error {}

export interface ProvisionSettings {
  BASE_DOMAIN: string;
  PUBLIC_SCHEME: 'http' | 'https';
  HEALTH_DEADLINE_MS: number;
  /** Passed on to every instance: its relay of per-user webhooks follows the same rules. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean;
  DELIVERY_RETRY_SCHEDULE_MS: string;
  WEBHOOK_TIMEOUT_MS: number;
}

export interface ProvisionDeps {
  store: InstanceLifecycle;
  secrets: SecretBox;
  credentials: WabaCredentialsProvider;
  databases: TenantDatabases;
  runtime: RuntimeDriver;
  settings: ProvisionSettings;
  /** Called after a database was created or claimed (the worker tops up its spares). */
  onDatabaseUsed?: () => void;
}

const IN_PROGRESS: InstanceStatus[] = ['accepted', 'provisioning', 'starting'];

interface Deployed {
  healthUrl: string;
  /** The runtime's hint that the instance listens (RuntimeStatus.listening). */
  listening?: Promise<void>;
}

/**
 * The secret in the instance's provider-webhook path, derived from its SECRET_KEY (stored
 * encrypted already): stable across redeploys, unguessable, nothing more to store or wipe.
 */
export const webhookSecretFor = (secretKey: string): string =>
  createHmac('sha256', secretKey).update('waba-webhook').digest('base64url');

export class ProvisionInstance {
  private readonly logger = new Logger('Provisioning');

  constructor(private readonly deps: ProvisionDeps) {}

  /** Runs (or resumes) the pipeline. Returns quietly if the instance needs nothing (ready, deleted...). */
  async run(instanceId: string, shutdown: AbortSignal): Promise<void> {
    const { store } = this.deps;
    const found = await store.find(instanceId);
    if (!found || !IN_PROGRESS.includes(found.status)) {
      this.logger.log({ instanceId, status: found?.status ?? 'unknown' }, 'nothing to provision');
      return;
    }
    let instance = found;
    const step = async (name: string, work: () => Promise<void>, last = false) => {
      if (shutdown.aborted) throw new ShutdownAbort(`shutting down before step ${name}`);
      const started = Date.now();
      await work();
      this.logger.log({ instanceId, step: name, ms: Date.now() - started }, `step ${name} done`);
      crashPoint(`provision.${name}`);
      if (last) return;
      instance = (await store.find(instanceId)) ?? instance;
      if (!IN_PROGRESS.includes(instance.status)) throw new InstanceMovedOn(`instance is ${instance.status}`);
    };
    await step('credentials', () => this.credentials(instance));
    let databaseUrl = '';
    await step('database', async () => {
      databaseUrl = await this.database(instance);
    });
    let deployed: Deployed = { healthUrl: '' };
    await step('deploy', async () => {
      deployed = await this.deploy(instance, databaseUrl);
    });
    await step('health', () => this.awaitHealth(instance, deployed, shutdown));
    await step('ready', () => this.ready(instance), true);
  }

  /**
   * Deploys a `ready` instance again with the environment it was provisioned with (its process is
   * gone: `npm run stop:local`, a machine restart). Nothing changes in its status. False when the
   * instance is not ready.
   */
  async redeploy(instanceId: string): Promise<boolean> {
    const { store, secrets, databases } = this.deps;
    const instance = await store.find(instanceId);
    if (instance?.status !== 'ready' || !instance.databasePasswordEnc) return false;
    await this.deploy(instance, databases.urlFor(instance.id, secrets.decrypt(instance.databasePasswordEnc)));
    await store.event(
      instanceId,
      'runtime.redeployed',
      `Started again in the ${this.deps.runtime.name} runtime`,
    );
    return true;
  }

  private async credentials(instance: Instance): Promise<void> {
    const { store, secrets, credentials } = this.deps;
    if (instance.status === 'accepted') {
      await this.guarded(
        store.transition(instance.id, {
          from: ['accepted'],
          to: 'provisioning',
          detail: instance.channelId ? 'Obtaining the channel API key' : 'Preparing the instance',
        }),
      );
    }
    if (instance.checkpoint.credentials) return;
    if (instance.wabaApiKeyEnc) {
      // d360_api_key was given with the request: nothing to obtain.
      await this.guarded(store.progress(instance.id, IN_PROGRESS, { checkpoint: { credentials: true } }));
      return;
    }
    if (!instance.channelId) throw new PermanentStepError('instance has neither a channel nor an API key');
    const key = await credentials.obtainChannelKey(instance.channelId);
    await this.guarded(
      store.progress(instance.id, IN_PROGRESS, {
        checkpoint: { credentials: true },
        columns: { waba_api_key_enc: secrets.encrypt(key) },
        detail: 'Creating the database',
        event: { type: 'step.credentials', message: `Channel API key obtained from ${credentials.name}` },
      }),
    );
  }

  /** Returns the instance's DATABASE_URL. */
  private async database(instance: Instance): Promise<string> {
    const { store, secrets, databases } = this.deps;
    const password = secrets.decrypt(
      (await store.storeOnce(instance.id, 'database_password_enc', secrets.encrypt(newDatabasePassword())))!,
    );
    if (instance.checkpoint.database) return databases.urlFor(instance.id, password);
    const url = await databases.ensure(instance.id, password);
    this.deps.onDatabaseUsed?.();
    crashPoint('provision.database.created');
    await this.guarded(
      store.progress(instance.id, IN_PROGRESS, {
        checkpoint: { database: true },
        detail: 'Database ready; deploying',
        event: { type: 'step.database', message: `Database ${databases.names(instance.id).database} ready` },
      }),
    );
    return url;
  }

  /** Applies the instance to the runtime (adopts it when already running). */
  private async deploy(instance: Instance, databaseUrl: string): Promise<Deployed> {
    const { store, secrets, runtime, settings } = this.deps;
    if (instance.status === 'provisioning') {
      await this.guarded(
        store.transition(instance.id, {
          from: ['provisioning'],
          to: 'starting',
          detail: `Deploying to the ${runtime.name} runtime`,
        }),
      );
    }
    const secretKey = secrets.decrypt(
      (await store.storeOnce(instance.id, 'secret_key_enc', secrets.encrypt(randomHex(32))))!,
    );
    const urls = instanceUrls(settings, instance.subdomain);
    // Only hashes of the activation code and the configurator token reach the instance.
    const env = renderBootstrapEnv({
      INSTANCE_ID: instance.id,
      PUBLIC_URL: urls.publicUrl,
      DATABASE_URL: databaseUrl,
      MAX_NUMBER_OF_SEATS: instance.maxNumberOfSeats,
      WABA_API_KEY: secrets.decrypt(instance.wabaApiKeyEnc!),
      WABA_API_URL: this.deps.credentials.wabaApiUrl,
      WABA_WEBHOOK_SECRET: webhookSecretFor(secretKey),
      SECRET_KEY: secretKey,
      ADMIN_USERNAME: instance.adminUsername,
      ADMIN_EMAIL: instance.adminEmail ?? undefined,
      ADMIN_ACTIVATION_CODE_SHA256: instance.activationCodeSha256 ?? undefined,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS || undefined,
      RELAY_RETRY_SCHEDULE_MS: settings.DELIVERY_RETRY_SCHEDULE_MS,
      RELAY_TIMEOUT_MS: settings.WEBHOOK_TIMEOUT_MS,
      ...(instance.configuratorUserName && instance.configuratorTokenSha256
        ? {
            CONFIGURATOR_USER_NAME: instance.configuratorUserName,
            CONFIGURATOR_TOKEN_SHA256: instance.configuratorTokenSha256,
          }
        : {}),
    });
    const status = await runtime.deploy({
      instanceId: instance.id,
      subdomain: instance.subdomain,
      partnerId: instance.partnerId,
      env,
    });
    crashPoint('provision.deploy.applied');
    if (!instance.checkpoint.deployedAt) {
      await this.guarded(
        store.progress(instance.id, IN_PROGRESS, {
          checkpoint: { deployedAt: new Date().toISOString() },
          detail: 'Waiting for the instance to become healthy',
          event: { type: 'step.deploy', message: `Deployed to the ${runtime.name} runtime` },
        }),
      );
    }
    // Local instances are polled on their own port (Node cannot resolve *.localhost here).
    const healthUrl = status.internalUrl ? `${status.internalUrl}/api/v1/status/health` : urls.healthCheck;
    return { healthUrl, listening: status.listening };
  }

  private async awaitHealth(instance: Instance, deployed: Deployed, shutdown: AbortSignal): Promise<void> {
    const { store, settings } = this.deps;
    if (instance.checkpoint.healthy) return;
    const deployedAt = Date.parse(instance.checkpoint.deployedAt ?? new Date().toISOString());
    const deadlineMs = Math.max(0, settings.HEALTH_DEADLINE_MS - (Date.now() - deployedAt));
    let moved = false;
    let crashed: string | undefined;
    let lastAsked = Date.now();
    const stillWanted = async () => {
      if (shutdown.aborted) return false;
      if (Date.now() - lastAsked < 1000) return true; // ask the database about once a second
      lastAsked = Date.now();
      moved = !IN_PROGRESS.includes((await store.status(instance.id)) ?? 'deleted');
      crashed = moved ? undefined : await this.deps.runtime.bootFailure?.(instance.id);
      return !moved && !crashed;
    };
    let checks: number;
    try {
      // Polled every 100 ms at most: a check is cheap, and every pause adds to time-to-ready.
      checks = await waitUntilHealthy(deployed.healthUrl, {
        deadlineMs,
        initialDelayMs: 25,
        maxDelayMs: 100,
        stillWanted,
        nudge: deployed.listening,
      });
    } catch (error) {
      if (shutdown.aborted) throw new ShutdownAbort('shutting down during the health wait');
      if (moved) throw new InstanceMovedOn('instance left provisioning during the health wait');
      // Retried like any transient step (the deploy starts it again); the retries' end fails it.
      if (crashed) throw new TransientStepError(`the instance stopped before it was healthy: ${crashed}`);
      throw new PermanentStepError(
        `not healthy within ${Math.round(settings.HEALTH_DEADLINE_MS / 1000)} s of its deploy: ${(error as Error).message}`,
      );
    }
    await this.guarded(
      store.progress(instance.id, IN_PROGRESS, {
        checkpoint: { healthy: true },
        event: { type: 'step.health', message: `Healthy after ${checks} health checks` },
      }),
    );
  }

  private async ready(instance: Instance): Promise<void> {
    const { store } = this.deps;
    const partner = await store.partner(instance.partnerId);
    const emailing = Boolean(instance.adminEmail && instance.activationCodeEnc);
    const jobs = [
      ...(instance.configuratorTokenEnc
        ? [{ name: 'instance.configurator_webhook' as const, payload: { instanceId: instance.id } }]
        : []),
      ...(emailing
        ? [{ name: 'instance.activation_email' as const, payload: { instanceId: instance.id } }]
        : []),
      ...partnerEventJob(partner, instance.id, 'instance.ready'),
    ];
    await this.guarded(
      store.transition(instance.id, {
        from: ['starting'],
        to: 'ready',
        detail: 'Instance is healthy',
        jobs,
        // A pre-generated link was handed out at creation: with no e-mail to send, nothing needs the code any more.
        columns: emailing ? {} : { activation_code_enc: null },
      }),
    );
  }

  private async guarded(done: Promise<boolean>): Promise<void> {
    if (!(await done)) throw new InstanceMovedOn('instance left provisioning (deleted meanwhile?)');
  }
}
