import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxRelay } from '@app/queue';
import { InstanceLifecycle } from './instance-lifecycle';

/** The instance lifecycle for any app that has the database and the queue modules. */
@Module({
  providers: [
    {
      provide: InstanceLifecycle,
      inject: [DataSource, OutboxRelay],
      useFactory: (dataSource: DataSource, relay: OutboxRelay) =>
        new InstanceLifecycle(dataSource, () => relay.kick()),
    },
  ],
  exports: [InstanceLifecycle],
})
export class InstanceLifecycleModule {}
