import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { CryptoModule } from '@app/common';
import { DatabaseModule } from '@app/domain';
import { QueueModule } from '@app/queue';

/** Worker application context: database, queues and the outbox relay; processors come with the worker issue. */
@Module({ imports: [ConfigModule, CryptoModule, DatabaseModule, QueueModule] })
export class WorkerModule {}
