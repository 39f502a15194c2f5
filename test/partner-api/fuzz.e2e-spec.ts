import fc from 'fast-check';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TestPartner, createTestPartner, startApi } from '../support/api-harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

/** Values that look like the real fields, so the fuzzer reaches deep validation, not only "extra field". */
const fieldValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[a-zA-Z0-9]{0,12}$/),
  fc.stringMatching(/^[a-z0-9-]{0,70}$/),
  fc.emailAddress(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
const configurator = fc.record(
  {
    user_name: fieldValue,
    webhook_url: fc.oneof(fc.webUrl(), fieldValue),
    webhook_headers: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ maxLength: 40 }), fc.integer())),
      fieldValue,
    ),
  },
  { requiredKeys: [] },
);
const plausibleBody = fc.record(
  {
    channel_id: fieldValue,
    d360_api_key: fieldValue,
    subdomain: fieldValue,
    admin_email: fieldValue,
    generate_activation: fieldValue,
    configurator: fc.oneof(configurator, fieldValue),
    max_number_of_seats: fieldValue,
    extra: fieldValue,
  },
  { requiredKeys: [] },
);
const validBody = fc.record(
  {
    channel_id: fc.stringMatching(/^[a-zA-Z0-9]{1,10}$/),
    subdomain: fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/)),
    generate_activation: fc.boolean(),
    max_number_of_seats: fc.integer({ min: 1, max: 1000 }),
  },
  { requiredKeys: ['channel_id'] },
);
/** `valid`: a body that must be accepted when sent as JSON (any parameters) with a valid key. */
const rawBody = fc.oneof(
  validBody.map((b) => ({ valid: true, body: JSON.stringify(b) })),
  fc
    .oneof(
      plausibleBody.map((b) => JSON.stringify(b)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      plausibleBody.map((b) => JSON.stringify(b).slice(0, -1)), // truncated JSON
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    )
    .map((body) => ({ valid: false, body: body })),
);
const JSON_TYPE = /^application\/json\s*(;|$)/;
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/merge-patch+json',
);
/** Header values a real HTTP client can send (visible ASCII). */
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,299}$/);

type ErrorBody = { detail: unknown };

function assertFastApiShape(status: number, body: ErrorBody): void {
  expect(typeof body).toBe('object');
  if (status === 422) {
    expect(Array.isArray(body.detail)).toBe(true);
    for (const item of body.detail as { loc: unknown; msg: unknown; type: unknown }[]) {
      expect(Array.isArray(item.loc)).toBe(true);
      for (const part of item.loc as unknown[]) expect(['string', 'number']).toContain(typeof part);
      expect(typeof item.msg).toBe('string');
      expect(typeof item.type).toBe('string');
    }
  } else {
    expect(typeof body.detail).toBe('string');
  }
}

describe('POST /v1/instances under random and malformed input (property-based)', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let partner: TestPartner;

  beforeAll(async () => {
    api = await startApi();
    partner = await createTestPartner(api.app.get(DataSource), { instanceQuota: 1_000_000, maxSeats: 1000 });
  });
  afterAll(() => api.close());

  it(`never answers 5xx and always uses the FastAPI error shape (${RUNS} runs)`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        contentType,
        fc.option(headerValue),
        fc.oneof(fc.constant('valid'), fc.constant('none'), headerValue),
        async ({ valid, body }, type, idempotencyKey, auth) => {
          let req = request(api.app.getHttpServer()).post('/v1/instances').set('Content-Type', type);
          if (auth === 'valid') req = req.set(partner.auth);
          else if (auth !== 'none') req = req.set('Authorization', auth);
          if (idempotencyKey !== null) req = req.set('Idempotency-Key', idempotencyKey);
          const res = await req.send(body);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) assertFastApiShape(res.status, res.body as ErrorBody);
          else expect(res.status).toBe(201);
          // JSON is JSON whatever its parameters say (`; charset=utf-8` was once refused).
          // Random channels and subdomains repeat: "already in use" is the one refusal allowed.
          if (valid && auth === 'valid' && idempotencyKey === null && JSON_TYPE.test(type)) {
            const inUse = /already (in use|has a live instance)/.test(
              (res.body as { detail?: { msg?: string }[] }).detail?.[0]?.msg ?? '',
            );
            expect([res.status === 201 || (res.status === 422 && inUse), type]).toEqual([true, type]);
          }
        },
      ),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    if (process.env.FUZZ_VERBOSE) process.stderr.write(`statuses: ${JSON.stringify([...statuses])}\n`);
    // The generator must reach past authentication into validation, and sometimes succeed.
    expect(statuses.get(401)).toBeGreaterThan(0);
    expect(statuses.get(422)).toBeGreaterThan(RUNS / 10);
    expect(statuses.get(201)).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  });
});
