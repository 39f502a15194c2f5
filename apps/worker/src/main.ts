/**
 * The provisioning worker: BullMQ processors for provisioning, teardown and deliveries, the
 * outbox relay and the reconcile sweep. No public HTTP server (optional health/metrics port).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@app/config';
import { PinoNestLogger, createLogger } from '@app/common';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfig(); // fail fast, before any module starts, with every bad variable named
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: new PinoNestLogger(createLogger(config.LOG_LEVEL, 'worker')),
  });
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  process.stderr.write(`worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
