export * from './tenant-databases';
export * from './credentials/waba-credentials';
export * from './credentials/sandbox-credentials.provider';
export * from './credentials/dialog360-credentials.provider';
export * from './credentials/credentials-provider.factory';
export * from './health-wait';

export * from './pipeline/instance-lock';
export * from './pipeline/provision-instance';
export * from './pipeline/teardown-instance';
export * from './pipeline/job-outcomes';
export * from './spare-databases';
export * from './provisioning.module';
