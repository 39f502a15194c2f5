export * from './address-guard';
export * from './signed-post';
export * from './activation-mail';
export * from './deliveries';
export * from './delivery.module';
