export * from './errors/api-error';
export * from './errors/fastapi-exception.filter';
export * from './errors/validation-errors';
export * from './crypto/hashing';
export * from './crypto/secret-box';
export * from './crypto/crypto.module';
export * from './logging/logger';
export * from './fault-injection';
export * from './html/escape-html';

export * from './timing/quiet-period';
export * from './database/checked-out-client';
export * from './database/database-unavailable';
export * from './logging/safe-error';
export * from './http/json-body';
export * from './http/fastify-hardening';
export * from './errors/step-errors';
