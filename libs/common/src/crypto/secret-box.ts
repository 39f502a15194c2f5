/**
 * Encryption at rest for secrets that must be delivered later (tokens, activation codes, signing
 * secrets, replayed responses): AES-256-GCM with a random 96-bit IV per value. The stored form is
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), so a wrong key fails loudly instead of
 * decrypting garbage.
 */
import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformConfig } from '@app/config';
import { sha256Hex } from './hashing';

export function decodeKey(encoded: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(encoded)
    ? Buffer.from(encoded, 'hex')
    : Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error('SECRETS_ENCRYPTION_KEY must decode to 32 bytes');
  return key;
}

/** The configured key, or in local mode a key generated once into LOCAL_STATE_DIR and reused. */
export function resolveSecretsKey(config: PlatformConfig): Buffer {
  if (config.SECRETS_ENCRYPTION_KEY) return decodeKey(config.SECRETS_ENCRYPTION_KEY);
  if (config.RUNTIME_DRIVER !== 'local')
    throw new Error('SECRETS_ENCRYPTION_KEY is required unless RUNTIME_DRIVER=local');
  const file = join(config.LOCAL_STATE_DIR, 'secrets.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      // Another process generated it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return decodeKey(readFileSync(file, 'utf8').trim());
}

@Injectable()
export class SecretBox {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    this.keyId = sha256Hex(key).slice(0, 8);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
    return ['v1', this.keyId, ...parts].join('.');
  }

  decrypt(stored: string): string {
    const [version, keyId, iv, tag, ciphertext] = stored.split('.');
    if (version !== 'v1' || ciphertext === undefined) throw new Error('not a SecretBox value');
    if (keyId !== this.keyId)
      throw new Error(`secret was encrypted with key ${keyId}, this process has ${this.keyId}`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
