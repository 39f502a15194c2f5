import { DataSourceOptions } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { ApiKey } from './entities/api-key.entity';
import { IdempotencyRecord } from './entities/idempotency-record.entity';
import { InstanceEvent } from './entities/instance-event.entity';
import { Instance } from './entities/instance.entity';
import { OutboxMessage } from './entities/outbox-message.entity';
import { Partner } from './entities/partner.entity';
import { InitialSchema1763780000000 } from './migrations/1763780000000-initial-schema';
import { InstanceRuntimeSecrets1763900000000 } from './migrations/1763900000000-instance-runtime-secrets';
import { InstanceHealth1764000000000 } from './migrations/1764000000000-instance-health';

export const ENTITIES = [Partner, ApiKey, Instance, InstanceEvent, IdempotencyRecord, OutboxMessage];
/** Listed explicitly (not globbed) so bundled builds carry them. Never edit one that has landed. */
export const MIGRATIONS = [
  InitialSchema1763780000000,
  InstanceRuntimeSecrets1763900000000,
  InstanceHealth1764000000000,
];

export function dataSourceOptions(
  config: Pick<PlatformConfig, 'DATABASE_URL' | 'DB_POOL_SIZE'>,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: { max: config.DB_POOL_SIZE, connectionTimeoutMillis: 5000, statement_timeout: 30_000 },
  };
}
