/**
 * bench:relay's receivers, in a process of their own (so that receiving does not slow the load
 * generator): RECEIVERS HTTP servers on loopback answering 204 at once, recording when each
 * message id first arrived at each. Prints `{ports}` as one JSON line; given the line "report" on
 * stdin, prints `{arrivals: [{[messageId]: epoch ms}, ...]}` (one object per receiver) and exits.
 * RECEIVER_DELAY_MS makes each answer wait (a receiver that works before it answers).
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

const RECEIVERS = Number(process.env.RECEIVERS ?? 10);
/** How long each answer takes (a receiver that does work before its 2xx). */
const DELAY_MS = Number(process.env.RECEIVER_DELAY_MS ?? 0);
const arrivals: Record<string, number>[] = [];

async function main(): Promise<void> {
  const ports: number[] = [];
  for (let i = 0; i < RECEIVERS; i++) {
    const seen: Record<string, number> = {};
    arrivals.push(seen);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = Date.now();
        const body = Buffer.concat(chunks).toString('utf8');
        // The message id, without parsing the whole body: the bench's ids are `wamid.bench.<n>`.
        const match = /"id":"(wamid\.bench\.\d+)"/.exec(body);
        if (match && seen[match[1]] === undefined) seen[match[1]] = at;
        res.statusCode = 204;
        if (DELAY_MS) setTimeout(() => res.end(), DELAY_MS);
        else res.end();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.push((server.address() as AddressInfo).port);
  }
  process.stdout.write(`${JSON.stringify({ ports })}\n`);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (line: string) => {
    if (!line.includes('report')) return;
    process.stdout.write(`${JSON.stringify({ arrivals })}\n`, () => process.exit(0));
  });
}

void main();
