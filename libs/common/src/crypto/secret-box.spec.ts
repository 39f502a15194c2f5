import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { SecretBox, decodeKey, resolveSecretsKey } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(decodeKey('11'.repeat(32)));

  it('round-trips and never produces the same ciphertext twice', () => {
    const a = box.encrypt('token-value');
    const b = box.encrypt('token-value');
    expect(a).not.toBe(b);
    expect(a).not.toContain('token-value');
    expect(box.decrypt(a)).toBe('token-value');
  });

  it('refuses a value from another key and a tampered value', () => {
    const other = new SecretBox(decodeKey('22'.repeat(32)));
    expect(() => other.decrypt(box.encrypt('x'))).toThrow(/encrypted with key/);
    const parts = box.encrypt('secret').split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
  });

  it('generates one local key file (mode 600) and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-'));
    const config = loadConfig({ LOCAL_STATE_DIR: dir });
    const first = resolveSecretsKey(config);
    expect(resolveSecretsKey(config).equals(first)).toBe(true);
    expect(statSync(join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
    expect(decodeKey(readFileSync(join(dir, 'secrets.key'), 'utf8'))).toEqual(first);
  });
});
