export * from './job-catalogue';
export * from './redis-connection';
export * from './outbox';
export * from './job-publisher';
export * from './outbox-relay';
export * from './queue.module';
