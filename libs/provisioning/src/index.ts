export * from './step-errors';
export * from './tenant-databases';
export * from './credentials/waba-credentials';
export * from './credentials/sandbox-credentials.provider';
export * from './credentials/dialog360-credentials.provider';
export * from './credentials/credentials-provider.factory';
