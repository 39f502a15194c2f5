/** Test environment: its own database and Redis logical database, quiet logs, fast relay. */
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/partner_platform_test';
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379/15';
process.env.LOG_LEVEL ??= 'silent';
process.env.LOCAL_STATE_DIR ??= '.local/test';
process.env.OUTBOX_POLL_INTERVAL_MS ??= '200';
process.env.BASE_DOMAIN ??= 'localhost:8080';
