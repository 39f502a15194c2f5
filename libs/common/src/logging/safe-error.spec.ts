import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger } from './logger';
import { redactUrlUserinfo, serializeError } from './safe-error';

/** A logger writing into an array of lines, as the process would write to stdout. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('info', 'test', stream), lines };
}

describe('errors in logs', () => {
  const secretUrl = 'https://bob:hunter2@hooks.example.com/x';
  const failed = () => {
    const driverError = Object.assign(new Error('value too long for type character varying(10)'), {
      code: '22001',
      table: 'instances',
    });
    return new QueryFailedError(
      `INSERT INTO "instances"("subdomain", "webhook_url", "admin_email") VALUES ($1, $2, $3)`,
      ['acme', secretUrl, 'ceo@acme.example'],
      driverError,
    );
  };

  it('a failed query keeps its shape and SQLSTATE, never its parameters', () => {
    const { log, lines } = capture();
    log.error({ err: failed() }, 'unhandled error');
    const text = lines.join('');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ceo@acme.example');
    expect(text).not.toContain('parameters');
    const entry = JSON.parse(text) as { err: Record<string, unknown> };
    expect(entry.err).toMatchObject({
      type: 'QueryFailedError',
      error_code: '22001',
      query: 'INSERT INTO "instances"("subdomain", "webhook_url", "admin_email") VALUES ($1, $2, $3)',
    });
  });

  it('string literals in a logged query are masked (DDL carries passwords inline)', () => {
    const error = Object.assign(new Error('role exists'), {
      query: "ALTER ROLE tenant_x WITH LOGIN PASSWORD 'abcdef0123456789'",
    });
    expect(serializeError(error)).toMatchObject({ query: "ALTER ROLE tenant_x WITH LOGIN PASSWORD '?'" });
  });

  it('URL userinfo is masked in messages, stacks and error messages', () => {
    const { log, lines } = capture();
    log.warn(`webhook to ${secretUrl} failed`);
    log.error({ err: new Error(`connect to postgres://admin:pw0rd@db:5432/x refused`) }, 'boom');
    const text = lines.join('');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('pw0rd');
    expect(text).toContain('https://[redacted]@hooks.example.com/x');
    expect(text).toContain('postgres://[redacted]@db:5432/x');
  });

  it('masking is linear on hostile input', () => {
    const hostile = 'a.'.repeat(50_000) + '://' + 'b'.repeat(100_000);
    const started = process.hrtime.bigint();
    redactUrlUserinfo(hostile);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });
});

describe('secrets in logged objects', () => {
  it('are redacted at the top level and one level down', () => {
    const { log, lines } = capture();
    log.info({ password: 'hunter2', token: 'tok-1', nested: { api_key: 'key-1', code: 'c-1' } }, 'x');
    const text = lines.join('');
    for (const secret of ['hunter2', 'tok-1', 'key-1', 'c-1']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
