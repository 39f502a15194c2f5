export * from './errors/api-error';
export * from './errors/fastapi-exception.filter';
export * from './errors/validation-errors';
export * from './crypto/hashing';
export * from './crypto/secret-box';
export * from './crypto/crypto.module';
export * from './logging/logger';
export * from './fault-injection';
