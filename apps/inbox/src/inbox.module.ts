/** One tenant's inbox instance: the identity core of seed 002's Integration API. */
import { DynamicModule, Module } from '@nestjs/common';
import { sha256Hex } from '@app/common/crypto/hashing';
import { SecretBox } from '@app/common/crypto/secret-box';
import { InboxDb } from './persistence/inbox-db';
import { ActivationService } from './activation/activation.service';
import { WebController } from './activation/web.controller';
import { InboxConfig } from './config/inbox-config';
import { HealthController } from './health/health.controller';
import { ApiAuthGuard } from './identity/api-auth.guard';
import { IdentityService } from './identity/identity.service';
import { AuthTokenController } from './users/auth-token.controller';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

@Module({})
export class InboxModule {
  static with(config: InboxConfig, db: InboxDb): DynamicModule {
    return {
      module: InboxModule,
      controllers: [HealthController, AuthTokenController, UsersController, WebController],
      providers: [
        { provide: InboxConfig, useValue: config },
        { provide: InboxDb, useValue: db },
        // Tokens are kept encrypted with a key derived from the instance's SECRET_KEY.
        {
          provide: SecretBox,
          useValue: new SecretBox(Buffer.from(sha256Hex(`token-encryption:${config.SECRET_KEY}`), 'hex')),
        },
        IdentityService,
        ApiAuthGuard,
        UsersService,
        ActivationService,
      ],
    };
  }
}
