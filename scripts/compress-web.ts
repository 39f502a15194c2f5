/**
 * After `vite build`: a .gz and a .br copy of every text asset of the web inbox, so the instance
 * serves compressed files without compressing per request (apps/inbox/src/web/web-files.ts).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = resolve(__dirname, '../dist/apps/inbox-web');
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let count = 0;
for (const path of files(ROOT)) {
  if (!COMPRESSIBLE.test(path)) continue;
  const body = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
  writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  count++;
}
process.stdout.write(`web inbox: ${count} files pre-compressed (gzip, brotli) in ${ROOT}\n`);
