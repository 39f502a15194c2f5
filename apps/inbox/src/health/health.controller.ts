import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InboxDb } from '../persistence/inbox-db';
import { MIGRATIONS } from '../persistence/migrations';
import { WebhookRegistration } from '../provider/webhook-registration';

const EXPECTED_MIGRATIONS = MIGRATIONS.map((m) => m.name);

/**
 * `GET /api/v1/status/health(/)`: no auth; 200 when the database and the migrations are fine, 503
 * otherwise, same shape. The provider (webhook registered) is reported too but never fails
 * health: an instance whose provider is down still serves its inbox.
 */
@Controller('api/v1/status/health')
export class HealthController {
  constructor(
    private readonly db: InboxDb,
    private readonly registration: WebhookRegistration,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks = [await this.database(), await this.migrations()];
    void reply.status(checks.every((c) => c.is_ok) ? 200 : 503);
    const { ok, message } = this.registration.state;
    return [...checks, { check_name: 'provider', is_ok: ok, message }];
  }

  private async database() {
    try {
      await this.db.query('SELECT 1');
      return { check_name: 'database', is_ok: true, message: 'reachable' };
    } catch (error) {
      return { check_name: 'database', is_ok: false, message: `unreachable: ${(error as Error).message}` };
    }
  }

  private async migrations() {
    try {
      const rows = await this.db.query<{ name: string }>('SELECT name FROM migrations');
      const missing = EXPECTED_MIGRATIONS.filter((name) => !rows.some((r) => r.name === name));
      return missing.length
        ? { check_name: 'migrations', is_ok: false, message: `not applied: ${missing.join(', ')}` }
        : { check_name: 'migrations', is_ok: true, message: `${rows.length} applied` };
    } catch (error) {
      return { check_name: 'migrations', is_ok: false, message: `cannot read: ${(error as Error).message}` };
    }
  }
}
