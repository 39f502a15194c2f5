/**
 * `npm run bench:api`: the Partner API against a bare node:http server, side by side, on this machine.
 * Prints req/s, p50 and p99 for each, and the ratios to the bare server.
 * Targets (issue 2): POST /v1/instances ≥ 1,000 req/s with p99 < 50 ms; GET / ≥ 50 % of bare.
 * Knobs: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 10, autocannon's own default).
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { SecretBox, resolveSecretsKey } from '@app/common';
import { PartnerAdminService, dataSourceOptions, recreateDatabase } from '@app/domain';
import { waitForHttp } from '../test/support/wait';
import { LoadResult, load, pad, startTsProcess } from './support';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10); // autocannon's default
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/partner_platform_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

async function benchPartnerKey(): Promise<string> {
  const config = loadConfig({ ...process.env, DATABASE_URL });
  const dataSource = new DataSource(dataSourceOptions({ ...config, DB_POOL_SIZE: 2 }));
  await dataSource.initialize();
  const admin = new PartnerAdminService(dataSource, new SecretBox(resolveSecretsKey(config)), {
    instanceQuota: 10_000_000,
    maxSeats: 50,
  });
  const { api_key } = await admin.createPartner(`bench${Date.now()}`);
  await dataSource.destroy();
  return api_key;
}

async function main(): Promise<void> {
  await recreateDatabase(loadConfig({ ...process.env, DATABASE_URL }));
  const apiKey = await benchPartnerKey();

  // The bare server runs in its own process, like the API, so neither shares autocannon's event loop.
  const barePort = 30000 + Math.floor(Math.random() * 20000);
  const bare = startTsProcess('bench/bare-server.ts', { PORT: String(barePort) });

  const apiPort = 30000 + Math.floor(Math.random() * 20000);
  const api = startTsProcess('apps/partner-api/src/main.ts', {
    PORT: String(apiPort),
    DATABASE_URL,
    REDIS_URL,
    LOG_LEVEL: 'warn',
  });
  const base = `http://127.0.0.1:${apiPort}`;
  try {
    await waitForHttp(`${base}/`);
    await waitForHttp(`http://127.0.0.1:${barePort}/`);
    const common = { duration: DURATION, connections: CONNECTIONS };
    // Warm up both servers (JIT, connection pools) before measuring.
    await load('warm-up', { ...common, url: `${base}/`, duration: 2 });
    const results: LoadResult[] = [];
    results.push(await load('bare node:http', { ...common, url: `http://127.0.0.1:${barePort}/` }));
    results.push(await load('GET /', { ...common, url: `${base}/` }));
    let n = 0;
    const run = Date.now().toString(36);
    results.push(
      await load('POST /v1/instances', {
        ...common,
        url: `${base}/v1/instances`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
        requests: [
          {
            setupRequest: (request) => {
              n += 1;
              return {
                ...request,
                body: JSON.stringify({
                  subdomain: `b${run}-${n}`,
                  d360_api_key: 'benchKey',
                  generate_activation: true,
                }),
              };
            },
          },
        ],
      }),
    );
    const bareRps = results[0].rps;
    process.stdout.write(
      `\nPartner API benchmark: ${DURATION} s per run, ${CONNECTIONS} connections, Node ${process.version}\n\n`,
    );
    process.stdout.write(
      `${'run'.padEnd(22)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('vs bare', 9)}${pad('non-2xx', 9)}${pad('errors', 8)}\n`,
    );
    for (const r of results) {
      process.stdout.write(
        `${r.name.padEnd(22)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50, 9)}${pad(r.p99, 9)}${pad(`${((r.rps / bareRps) * 100).toFixed(0)}%`, 9)}${pad(r.non2xx, 9)}${pad(r.errors, 8)}\n`,
      );
    }
    const post = results[2];
    const get = results[1];
    process.stdout.write(
      `\ntargets: POST ≥ 1000 req/s and p99 < 50 ms: ${post.rps >= 1000 && post.p99 < 50 ? 'met' : 'NOT met'}; ` +
        `GET / ≥ 50% of bare: ${get.rps >= bareRps / 2 ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    api.kill('SIGTERM');
    bare.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
