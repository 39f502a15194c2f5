import { sha256Hex } from '@app/common/crypto/hashing';
import { SecretBox } from '@app/common/crypto/secret-box';

/**
 * Keeps API tokens encrypted with a key derived from the instance's SECRET_KEY. Keyed when the
 * tenant is bound (a warm process does not know its SECRET_KEY when its services are built).
 */
export class TokenCipher {
  private box?: SecretBox;

  bind(secretKey: string): void {
    this.box = new SecretBox(Buffer.from(sha256Hex(`token-encryption:${secretKey}`), 'hex'));
  }

  encrypt(token: string): string {
    return this.keyed().encrypt(token);
  }

  decrypt(stored: string): string {
    return this.keyed().decrypt(stored);
  }

  private keyed(): SecretBox {
    if (!this.box) throw new Error('the token key is not bound yet');
    return this.box;
  }
}
