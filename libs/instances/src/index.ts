export * from './instance-lifecycle';
export type { IdempotentAnswer } from './accept-instance';
export * from './instance-lifecycle.module';
