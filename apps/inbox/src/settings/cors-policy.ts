/**
 * Who may call the API from another origin (seed 001: partners white-label front-ends hosted
 * elsewhere). Any origin by default; the admin may restrict it to a list (`settings/cors/`). Never
 * with credentials: token requests only, so session cookies stay same-origin. Each replica keeps
 * the list in memory and reads it again every few seconds (an admin's change reaches every replica
 * within CACHE_SECONDS; the replica that took the change applies it at once).
 */
import fastifyCors, { FastifyCorsOptions, FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InboxDb } from '../persistence/inbox-db';

const CACHE_SECONDS = 10;
const SETTING = 'cors_allowed_origins';
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
export const CORS_HEADERS = ['Authorization', 'Content-Type', 'X-Request-ID', 'Idempotency-Key'];

@Injectable()
export class CorsPolicy {
  private readonly logger = new Logger('Cors');
  /** Empty: any origin. */
  private origins: string[] = [];
  private readAt = 0;
  private reading?: Promise<void>;

  constructor(private readonly db: InboxDb) {}

  /** The plugin, deciding per request: only `/api/` paths take part in CORS (pages stay same-origin). */
  async register(fastify: FastifyInstance): Promise<void> {
    const delegate: FastifyCorsOptionsDelegateCallback = (request, callback) =>
      callback(null, this.optionsFor(request));
    await fastify.register(fastifyCors, () => delegate);
  }

  allowedOrigins(): Promise<string[]> {
    return this.read().then(() => this.origins);
  }

  async setAllowedOrigins(origins: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO instance_settings (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
      [SETTING, JSON.stringify(origins)],
    );
    this.origins = origins;
    this.readAt = Date.now();
  }

  private optionsFor(request: FastifyRequest): FastifyCorsOptions {
    if (!request.url.startsWith('/api/')) return { origin: false };
    if (Date.now() - this.readAt > CACHE_SECONDS * 1000) void this.read();
    return {
      origin: this.origins.length ? this.origins : '*',
      credentials: false,
      methods: CORS_METHODS,
      allowedHeaders: CORS_HEADERS,
      exposedHeaders: ['Retry-After', 'Content-Disposition', 'Content-Range'],
      maxAge: 600,
    };
  }

  /** One read at a time; a failed read keeps the last list (the database may be restarting). */
  private read(): Promise<void> {
    this.reading ??= this.db
      .query<{ value: string[] }>(`SELECT value FROM instance_settings WHERE name = $1`, [SETTING])
      .then(
        ([row]) => {
          this.origins = row?.value ?? [];
          this.readAt = Date.now();
        },
        (error: Error) => this.logger.warn(`CORS origins not re-read: ${error.message}`),
      )
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
