import { Global, Inject, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import IORedis from 'ioredis';
import { PlatformConfig } from '@app/config';
import { JobPublisher } from './job-publisher';
import { OutboxRelay } from './outbox-relay';
import { createProducerConnection } from './redis-connection';

export const PRODUCER_REDIS = Symbol('PRODUCER_REDIS');

/** Redis producer connection, the job publisher and the outbox relay, for API and worker alike. */
@Global()
@Module({
  providers: [
    {
      provide: PRODUCER_REDIS,
      inject: [PlatformConfig],
      useFactory: (config: PlatformConfig) => {
        const connection = createProducerConnection(config.REDIS_URL);
        const logger = new Logger('Redis');
        let lastLogged = 0;
        // Without a listener ioredis prints every reconnect failure; log them, at most every 10 s.
        connection.on('error', (error: Error) => {
          if (Date.now() - lastLogged < 10_000) return;
          lastLogged = Date.now();
          logger.warn({ err: error }, 'Redis connection error; retrying');
        });
        return connection;
      },
    },
    {
      provide: JobPublisher,
      inject: [PRODUCER_REDIS],
      useFactory: (redis: IORedis) => new JobPublisher(redis),
    },
    OutboxRelay,
  ],
  exports: [PRODUCER_REDIS, JobPublisher, OutboxRelay],
})
export class QueueModule implements OnModuleDestroy {
  constructor(@Inject(PRODUCER_REDIS) private readonly redis: IORedis) {}

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
