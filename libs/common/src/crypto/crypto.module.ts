import { Global, Module } from '@nestjs/common';
import { PlatformConfig } from '@app/config';
import { SecretBox, resolveSecretsKey } from './secret-box';

/** Provides the SecretBox built from the configured (or local) encryption key. */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [PlatformConfig],
      useFactory: (c: PlatformConfig) => new SecretBox(resolveSecretsKey(c)),
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
