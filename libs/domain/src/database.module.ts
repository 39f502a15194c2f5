import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { guardPoolClients } from '@app/common/database/pool-client-guard';
import { PlatformConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';

/** The control-plane database connection (TypeORM over pg), migrations never run implicitly. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [PlatformConfig],
      useFactory: (config: PlatformConfig) => ({
        ...dataSourceOptions(config),
        retryAttempts: 3,
        retryDelay: 1000,
      }),
      // Every pooled connection keeps an error listener: a terminated one never ends the process.
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const dataSource = await new DataSource(options!).initialize();
        guardPoolClients((dataSource.driver as PostgresDriver).master as Pool);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
