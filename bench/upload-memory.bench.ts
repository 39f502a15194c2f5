/**
 * `npm run bench:upload-memory`: an instance's resident memory while it takes 16 MiB uploads, one
 * and four at once, as base64 JSON and as multipart (the worst cases of `POST media/`). Prints the
 * peak RSS and its growth over the RSS before, beside the figures of the in-memory uploads it
 * replaced. Runs the built app (`npm run build` first), started as the runtimes start it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import request from 'supertest';
import { INBOX_NODE_OPTIONS } from '@app/bootstrap';
import {
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInboxProcess,
} from '../test/support/inbox-harness';

const MIB = 1024 * 1024;
/** Measured before uploads were streamed (issue 21): peak growth in MiB (multipart was not). */
const BASELINE: Record<string, string> = {
  'json x1': '~80',
  'json x4': '~222 (335 -> 557 MiB)',
  'multipart x1': 'not measured',
  'multipart x4': 'not measured',
};

async function main(): Promise<void> {
  const databaseUrl = await createTenantDatabase();
  const { env } = bootstrapEnv(databaseUrl, { LOG_LEVEL: 'warn', NODE_OPTIONS: INBOX_NODE_OPTIONS });
  const inbox = await startInboxProcess(env);
  const pid = inbox.child.pid!;
  const memory = () => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) / 1024;
    return { rss: mib('VmRSS'), peak: mib('VmHWM') };
  };
  const upload = (file: Buffer, json: boolean) => {
    const call = request(inbox.url).post('/api/v1/media/').set({ 'D360-API-KEY': env.WABA_API_KEY });
    return json
      ? call.send({ file_encoded: file.toString('base64'), mime_type: 'video/mp4' })
      : call.attach('file_encoded', file, { filename: 'clip.mp4', contentType: 'video/mp4' });
  };
  const files = [1, 2, 3, 4].map(() => randomBytes(16 * MIB));
  const rows: string[][] = [];
  try {
    process.stdout.write(`idle RSS ${memory().rss.toFixed(0)} MiB (chart limit 192 Mi)\n`);
    for (const [name, json, count] of [
      ['json x1', true, 1],
      ['multipart x1', false, 1],
      ['json x4', true, 4],
      ['multipart x4', false, 4],
    ] as const) {
      const before = memory();
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM
      const started = Date.now();
      const answers = await Promise.all(files.slice(0, count).map((file) => upload(file, json)));
      if (answers.some((a) => a.status !== 201))
        throw new Error(`an upload failed: ${answers.map((a) => a.status).join()}`);
      const after = memory();
      rows.push([
        name,
        before.rss.toFixed(0),
        after.peak.toFixed(0),
        `+${(after.peak - before.rss).toFixed(0)}`,
        String(Date.now() - started),
        BASELINE[name],
      ]);
    }
  } finally {
    await inbox.stop();
    await dropTenantDatabase(databaseUrl);
  }
  const header = ['case', 'RSS before MiB', 'peak MiB', 'growth MiB', 'ms', 'growth before (baseline)'];
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((c) => c.padEnd(16)).join(' ')}\n`);
}

void main();
