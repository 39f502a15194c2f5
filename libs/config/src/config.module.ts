import { Global, Module } from '@nestjs/common';
import { PlatformConfig } from './config.schema';
import { loadConfig } from './load-config';

/** Provides the validated PlatformConfig to every module; loading fails fast on bad variables. */
@Global()
@Module({
  providers: [{ provide: PlatformConfig, useFactory: () => loadConfig() }],
  exports: [PlatformConfig],
})
export class ConfigModule {}
