import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { afterBurst } from '@app/common';
import { PlatformConfig } from '@app/config';
import { TenantDatabases } from './tenant-databases';

/** Keeps TENANT_DATABASE_SPARES empty databases ready, in the background (see TenantDatabases.refillSpares). */
@Injectable()
export class SpareDatabases implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SpareDatabases');
  private running?: Promise<void>;
  private again = false;
  // CREATE DATABASE must not slow down the burst whose claims it replaces.
  private readonly refillAfterBurst = afterBurst(() => this.topUp());

  constructor(
    private readonly databases: TenantDatabases,
    private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.topUp();
  }

  async onApplicationShutdown(): Promise<void> {
    this.refillAfterBurst.cancel();
    this.again = false;
    await this.running;
  }

  /** A spare was claimed: top up once the burst it belongs to is over. */
  kick(): void {
    this.refillAfterBurst.poke();
  }

  /** Tops up now; calls while a top-up runs are folded into one more pass. */
  private topUp(): void {
    if (this.config.TENANT_DATABASE_SPARES === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const created = await this.databases.refillSpares(this.config.TENANT_DATABASE_SPARES);
          if (created) this.logger.log(`created ${created} spare database(s)`);
        } catch (error) {
          this.logger.warn({ err: error }, 'could not top up spare databases; next time');
        }
      } while (this.again);
    })().finally(() => (this.running = undefined));
  }
}
