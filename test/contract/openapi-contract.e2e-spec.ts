/**
 * The OpenAPI document is true: schemathesis (pinned, installed by scripts/contract-tools.sh)
 * generates requests from /openapi.json, valid and invalid, and runs every check against the
 * real Partner API: no 5xx, only documented status codes, bodies and headers matching their
 * schemas, schema-valid requests accepted, schema-invalid ones refused, 405 for undeclared
 * methods, authentication enforced. Exceptions, each with its reason, are in schemathesis.toml.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { createTestPartner, startApi } from '../support/api-harness';
import { REPO } from '../support/processes';

const SCHEMATHESIS = process.env.SCHEMATHESIS_BIN ?? resolve(REPO, '.tools/schemathesis/bin/schemathesis');
const EXAMPLES = process.env.CONTRACT_EXAMPLES ?? '100';
/** Fixed by default so CI is reproducible; CONTRACT_SEED=random explores. */
const SEED = process.env.CONTRACT_SEED ?? '20261130';

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn(SCHEMATHESIS, args, {
      cwd: resolve(REPO, 'test/contract'),
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => done({ code, output }));
  });
}

describe('the OpenAPI document is true (schemathesis against the running Partner API)', () => {
  let api: Awaited<ReturnType<typeof startApi>>;

  beforeAll(async () => {
    api = await startApi({ LOG_LEVEL: 'silent' });
  });
  afterAll(() => api?.close());

  it(`passes every check for ${EXAMPLES} examples per operation`, async () => {
    if (!existsSync(SCHEMATHESIS)) {
      throw new Error(`schemathesis is not installed at ${SCHEMATHESIS}: run bash scripts/contract-tools.sh`);
    }
    // Limits as wide as the schema's own maximums, so only the partner's state refuses valid data.
    const partner = await createTestPartner(api.app.get(DataSource), {
      instanceQuota: 1_000_000,
      maxSeats: 10_000,
    });
    const { code, output } = await run(
      [
        '--config-file',
        'schemathesis.toml',
        'run',
        `${api.url}/openapi.json`,
        '--header',
        `Authorization: Bearer ${partner.apiKey}`,
        '--checks',
        'all',
        // DELETE is asynchronous and the record stays readable (schemathesis.toml says why);
        // the CLI's --checks overrides the file, so the exclusion is repeated here.
        '--exclude-checks',
        'use_after_free',
        '--max-examples',
        EXAMPLES,
        '--workers',
        '1', // hypothesis 6.170 fails with "AST constructor recursion depth mismatch" in threads
        ...(SEED === 'random' ? [] : ['--seed', SEED]),
      ],
      { NO_COLOR: '1' },
    );
    expect({ code, output: code === 0 ? 'passed' : output }).toEqual({ code: 0, output: 'passed' });
  }, 300_000);
});
