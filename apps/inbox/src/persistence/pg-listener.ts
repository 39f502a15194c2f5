/**
 * One connection LISTENing on a channel of the tenant database, for as long as the process runs:
 * reconnects with backoff (0.5 s doubling to 30 s) after any loss. Notifications are sent at commit,
 * so whatever they name is stored already.
 */
import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export class PgListener {
  private client?: Client;
  private stopped = false;
  private retryMs = 500;
  private readonly logger: Logger;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly onNotification: (payload: string | undefined) => void,
    /** Called after every (re)connection: what was notified while disconnected is lost. */
    private readonly onListening: () => void = () => undefined,
  ) {
    this.logger = new Logger(`PgListener(${channel})`);
  }

  /** Resolves once LISTEN is in place (or the first attempt failed: it keeps trying). */
  async start(): Promise<void> {
    if (this.stopped || this.client) return;
    const client = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000 });
    this.client = client;
    client.on('notification', (n) => this.onNotification(n.payload));
    client.on('error', () => this.restart(client));
    client.on('end', () => this.restart(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.retryMs = 500;
      this.onListening();
    } catch (error) {
      this.logger.warn(`cannot listen: ${(error as Error).message}; retrying`);
      this.restart(client);
    }
  }

  private restart(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
    setTimeout(() => void this.start(), delay).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
