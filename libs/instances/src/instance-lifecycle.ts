/**
 * The one owner of an instance's lifecycle: the only code that moves an instance's status, records
 * its events and queues its jobs (accepting, provisioning steps, failing, tearing down). Every
 * status change is guarded by the status it expects (`WHERE status = ANY(...)`), so a concurrent
 * DELETE always wins: a guarded update that touches no row means the instance has moved on, and
 * the caller stops. Jobs go to the outbox in the same transaction (docs/queues.md).
 */
import { DataSource, EntityManager } from 'typeorm';
import { Instance, InstanceStatus, Partner, ProvisioningCheckpoint, countsAgainstQuota } from '@app/domain';
import { JobRequest, PartnerEventType, enqueueRequestInTransaction } from '@app/queue';
import { IdempotentAnswer, acceptInstance } from './accept-instance';

/** Raised when the instance is no longer in a status this job may act on (e.g. deleted meanwhile). */
export class InstanceMovedOn extends Error {}

export interface Transition {
  from: InstanceStatus[];
  to: InstanceStatus;
  detail: string;
  checkpoint?: ProvisioningCheckpoint;
  /** Column values to write with it (snake_case column → value). */
  columns?: Record<string, string | null>;
  /** Jobs recorded in the same transaction (outbox). */
  jobs?: JobRequest[];
  eventData?: Record<string, unknown>;
}

const RESERVED = new Set(['status', 'status_detail', 'checkpoint', 'updated_at', 'id']);

export class InstanceLifecycle {
  constructor(
    private readonly dataSource: DataSource,
    /** Wakes the outbox relay after a commit that recorded jobs. */
    private readonly onJobsRecorded: () => void = () => undefined,
  ) {}

  /**
   * A new instance, its first event and its provisioning job, with a quota slot and the
   * idempotency record, in one statement. False when the partner's quota is exhausted.
   */
  async accept(instance: Instance, answer: IdempotentAnswer | null): Promise<boolean> {
    const accepted = await acceptInstance(this.dataSource.manager, instance, answer);
    if (accepted) this.onJobsRecorded();
    return accepted;
  }

  /**
   * Marks the instance `deleting` (giving back its quota slot) and records its teardown job, once.
   * Null when the partner has no such instance; `requested` false when it was already deleting or
   * deleted (idempotent).
   */
  async requestTeardown(
    partnerId: string,
    instanceId: string,
  ): Promise<{ instance: Instance; requested: boolean } | null> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(Instance, {
        where: { id: instanceId, partnerId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!found) return null;
      if (found.status === 'deleting' || found.status === 'deleted')
        return { instance: found, requested: false };
      if (countsAgainstQuota(found.status)) {
        await manager.query(`UPDATE partners SET live_instances = live_instances - 1 WHERE id = $1`, [
          partnerId,
        ]);
      }
      const previous = found.status;
      await this.update(manager, instanceId, [previous], {
        status: 'deleting',
        detail: 'Teardown requested',
      });
      await this.insertEvent(manager, instanceId, 'status.deleting', `Teardown requested (was ${previous})`);
      await enqueueRequestInTransaction(manager, { name: 'instance.teardown', payload: { instanceId } });
      return { instance: (await manager.findOneBy(Instance, { id: instanceId }))!, requested: true };
    });
    if (outcome?.requested) this.onJobsRecorded();
    return outcome;
  }

  find(instanceId: string): Promise<Instance | null> {
    return this.byId(Instance, instanceId);
  }

  async partner(partnerId: string): Promise<Partner> {
    const partner = await this.byId(Partner, partnerId);
    if (!partner) throw new Error(`partner ${partnerId} not found`);
    return partner;
  }

  /**
   * Read on every pipeline step, so a plain SELECT mapped by the entity's column metadata:
   * TypeORM's query builder spent more CPU building these queries than anything else in the worker.
   */
  private async byId<T extends object>(entity: new () => T, id: string): Promise<T | null> {
    const metadata = this.dataSource.getMetadata(entity);
    const [row] = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${metadata.tableName} WHERE id = $1`,
      [id],
    );
    if (!row) return null;
    const found = new entity();
    for (const column of metadata.columns) column.setEntityValue(found, row[column.databaseName]);
    return found;
  }

  async status(instanceId: string): Promise<InstanceStatus | null> {
    const rows = await this.dataSource.query<{ status: InstanceStatus }[]>(
      'SELECT status FROM instances WHERE id = $1',
      [instanceId],
    );
    return rows[0]?.status ?? null;
  }

  /** The status of each of these instances the control plane knows. */
  async statuses(instanceIds: string[]): Promise<Map<string, InstanceStatus>> {
    const rows = await this.dataSource.query<{ id: string; status: InstanceStatus }[]>(
      'SELECT id, status FROM instances WHERE id = ANY($1)',
      [instanceIds],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /** Status change + event (+ columns, checkpoint, jobs) in one transaction. False if the guard failed. */
  async transition(instanceId: string, t: Transition): Promise<boolean> {
    const moved = await this.dataSource.transaction(async (manager) => {
      const updated = await this.update(manager, instanceId, t.from, {
        status: t.to,
        detail: t.detail,
        checkpoint: t.checkpoint,
        columns: t.columns,
      });
      if (!updated) return false;
      await this.insertEvent(manager, instanceId, `status.${t.to}`, t.detail, t.eventData);
      for (const job of t.jobs ?? []) await enqueueRequestInTransaction(manager, job);
      return true;
    });
    if (moved && t.jobs?.length) this.onJobsRecorded();
    return moved;
  }

  /**
   * The one way to `failed` (the processor's give-up, a permanent step error, the reconcile sweep):
   * status, its event and the partner's `instance.failed` event in one transaction. False when the
   * instance had moved on (deleted meanwhile) or does not exist.
   */
  async fail(instanceId: string, reason: string): Promise<boolean> {
    const instance = await this.find(instanceId);
    if (!instance) return false;
    return this.transition(instanceId, {
      from: ['accepted', 'provisioning', 'starting'],
      to: 'failed',
      detail: reason,
      jobs: partnerEventJob(await this.partner(instance.partnerId), instanceId, 'instance.failed'),
    });
  }

  /**
   * The health watch's finding about a ready instance, recorded once per change: `unhealthy_since`,
   * an event (`health.unhealthy` / `health.recovered`) and the partner's `instance.unhealthy` /
   * `instance.recovered` event numbered by `health_changes`, in one transaction. False when nothing
   * changed (already in that state, or the instance is no longer ready).
   */
  async recordHealth(instanceId: string, healthy: boolean, detail: string): Promise<boolean> {
    const instance = await this.find(instanceId);
    if (!instance) return false;
    const partner = await this.partner(instance.partnerId);
    const changed = await this.dataSource.transaction(async (manager) => {
      const [rows] = await manager.query<[{ health_changes: number }[], number]>(
        `UPDATE instances SET unhealthy_since = ${healthy ? 'NULL' : 'now()'}, health_changes = health_changes + 1
          WHERE id = $1 AND status = 'ready' AND unhealthy_since IS ${healthy ? 'NOT NULL' : 'NULL'}
          RETURNING health_changes`,
        [instanceId],
      );
      if (!rows.length) return false;
      const type = healthy ? 'instance.recovered' : 'instance.unhealthy';
      await this.insertEvent(manager, instanceId, healthy ? 'health.recovered' : 'health.unhealthy', detail);
      for (const job of partnerEventJob(partner, instanceId, type, rows[0].health_changes))
        await enqueueRequestInTransaction(manager, job);
      return true;
    });
    if (changed && partner.eventUrl) this.onJobsRecorded();
    return changed;
  }

  /** Ready instances with whether they are known unhealthy: what the health watch looks after. */
  async readyInstances(): Promise<{ id: string; unhealthy: boolean }[]> {
    return this.dataSource.query<{ id: string; unhealthy: boolean }[]>(
      `SELECT id, unhealthy_since IS NOT NULL AS unhealthy FROM instances WHERE status = 'ready' ORDER BY id`,
    );
  }

  /** Progress within a status: checkpoint, columns, detail, and optionally an event. Guarded like transition. */
  async progress(
    instanceId: string,
    whileIn: InstanceStatus[],
    change: {
      detail?: string;
      checkpoint?: ProvisioningCheckpoint;
      columns?: Record<string, string | null>;
      event?: { type: string; message: string; data?: Record<string, unknown> };
    },
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await this.update(manager, instanceId, whileIn, change);
      if (updated && change.event) {
        await this.insertEvent(
          manager,
          instanceId,
          change.event.type,
          change.event.message,
          change.event.data,
        );
      }
      return updated;
    });
  }

  /**
   * Instances with work that should be queued and has not moved for `quietMs`, each with the job
   * that does it: the reconcile sweep checks those jobs still exist in Redis.
   */
  async stalledWork(quietMs: number, limit = 500): Promise<JobRequest[]> {
    const rows = await this.dataSource.query<{ id: string; status: InstanceStatus; webhook_due: boolean }[]>(
      `SELECT id, status, (configurator_token_enc IS NOT NULL AND NOT checkpoint ? 'webhook') AS webhook_due
         FROM instances
        WHERE updated_at < now() - make_interval(secs => $1::float / 1000)
          AND (status IN ('accepted','provisioning','starting','deleting')
               OR (status = 'ready' AND configurator_token_enc IS NOT NULL AND NOT checkpoint ? 'webhook')
               OR (status = 'ready' AND activation_code_enc IS NOT NULL AND admin_email IS NOT NULL
                   AND NOT checkpoint ? 'email'))
        LIMIT $2`,
      [quietMs, limit],
    );
    return rows.map(({ id, status, webhook_due }): JobRequest => {
      const payload = { instanceId: id };
      if (status === 'deleting') return { name: 'instance.teardown', payload };
      if (status !== 'ready') return { name: 'instance.provision', payload };
      return { name: webhook_due ? 'instance.configurator_webhook' : 'instance.activation_email', payload };
    });
  }

  /** Writes a column only while it is still NULL (first writer wins); returns the stored value. */
  async storeOnce(instanceId: string, column: 'database_password_enc' | 'secret_key_enc', value: string) {
    await this.dataSource.query(`UPDATE instances SET ${column} = $2 WHERE id = $1 AND ${column} IS NULL`, [
      instanceId,
      value,
    ]);
    const rows = await this.dataSource.query<Record<string, string | null>[]>(
      `SELECT ${column} AS value FROM instances WHERE id = $1`,
      [instanceId],
    );
    return rows[0]?.value ?? null;
  }

  async event(
    instanceId: string,
    type: string,
    message: string,
    data?: Record<string, unknown>,
  ): Promise<void> {
    await this.insertEvent(this.dataSource.manager, instanceId, type, message, data);
  }

  private async update(
    manager: EntityManager,
    instanceId: string,
    whileIn: InstanceStatus[],
    change: {
      status?: InstanceStatus;
      detail?: string;
      checkpoint?: ProvisioningCheckpoint;
      columns?: Record<string, string | null>;
    },
  ): Promise<boolean> {
    const sets = ['updated_at = now()'];
    const params: unknown[] = [instanceId, whileIn];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (change.status) set('status', change.status);
    if (change.detail !== undefined) set('status_detail', change.detail);
    if (change.checkpoint) {
      params.push(JSON.stringify(change.checkpoint));
      sets.push(`checkpoint = checkpoint || $${params.length}::jsonb`);
    }
    for (const [column, value] of Object.entries(change.columns ?? {})) {
      if (RESERVED.has(column) || !/^[a-z_0-9]+$/.test(column))
        throw new Error(`not a writable column: ${column}`);
      set(column, value);
    }
    const [, count] = await manager.query<[unknown, number]>(
      `UPDATE instances SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2)`,
      params,
    );
    return count === 1;
  }

  private async insertEvent(
    manager: EntityManager,
    instanceId: string,
    type: string,
    message: string,
    data?: Record<string, unknown>,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO instance_events (instance_id, type, message, data) VALUES ($1, $2, $3, $4)`,
      [instanceId, type, message, data ? JSON.stringify(data) : null],
    );
  }
}

/** The partner event job for this instance, if the partner listens for events. */
export function partnerEventJob(
  partner: Pick<Partner, 'eventUrl'>,
  instanceId: string,
  type: PartnerEventType,
  occurrence?: number,
) {
  const payload = occurrence === undefined ? { instanceId, type } : { instanceId, type, occurrence };
  return partner.eventUrl ? [{ name: 'partner.event' as const, payload }] : [];
}
