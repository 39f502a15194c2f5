import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { PRODUCER_REDIS } from '@app/queue';

const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Seed 001's health checks (`/`, `/v1/`), and the liveness/readiness probes for Kubernetes. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PRODUCER_REDIS) private readonly redis: IORedis,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'The API is up', schema: { example: { status: 'healthy' } } })
  root() {
    return { status: 'healthy' };
  }

  @Get('v1')
  @ApiOkResponse({ description: 'Alias of `/`', schema: { example: { status: 'healthy' } } })
  v1Root() {
    return { status: 'healthy' };
  }

  @Get('health/live')
  @ApiExcludeEndpoint()
  live() {
    return { status: 'ok' };
  }

  /** 503 unless both PostgreSQL and Redis answer. */
  @Get('health/ready')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async ready(@Res({ passthrough: true }) response: FastifyReply) {
    const [postgres, redis] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(() => this.redis.ping()),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    void response.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }
}
