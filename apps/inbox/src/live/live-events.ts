/**
 * What every connected websocket client hears about, from the tenant database: each replica keeps
 * one connection LISTENing on EVENTS_CHANNEL (PgListener) (the ingest and the sender NOTIFY in the transaction
 * that stored the event, so a frame is only ever about something stored), loads the row named in
 * the notification, and emits the frame. Reconnects with backoff; started by bindTenant.
 */
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { BootstrapEnv } from '@app/bootstrap';
import { EVENTS_CHANNEL } from '../conversations/conversation-store';
import { ConversationsService } from '../conversations/conversations.service';
import { InboxDb } from '../persistence/inbox-db';
import { PgListener } from '../persistence/pg-listener';
import { readProviderWebhook } from '../provider/provider-webhook';

export type LiveFrame =
  | { type: 'waba_webhook'; waba_payload: unknown }
  | { type: 'getchat_webhook'; waba_payload: { outgoing_messages: unknown[] } }
  | { type: 'getchat_webhook'; waba_payload: Record<string, unknown> };

@Injectable()
export class LiveEvents implements OnApplicationShutdown {
  private readonly logger = new Logger('LiveEvents');
  private readonly frames = new EventEmitter();
  private listener?: PgListener;

  constructor(
    private readonly config: BootstrapEnv,
    private readonly db: InboxDb,
    private readonly conversations: ConversationsService,
  ) {
    this.frames.setMaxListeners(0); // one listener per connected client
  }

  /** The chats a frame is about (a user who may read only some chats gets only theirs). */
  static chatsOf(frame: LiveFrame): string[] {
    const payload = frame.waba_payload as Record<string, unknown>;
    if (frame.type === 'waba_webhook') {
      try {
        const n = readProviderWebhook(payload);
        return [
          ...new Set([...n.messages.map((m) => m.from), ...n.statuses.flatMap((s) => s.recipient ?? [])]),
        ];
      } catch {
        return [];
      }
    }
    const outgoing = payload.outgoing_messages as { customer_wa_id?: string }[] | undefined;
    if (outgoing) return outgoing.flatMap((m) => m.customer_wa_id ?? []);
    const event = Object.values(payload)[0] as { chat?: string; wa_id?: string } | undefined;
    return [event?.chat ?? event?.wa_id ?? []].flat();
  }

  onFrame(listener: (frame: LiveFrame) => void): () => void {
    this.frames.on('frame', listener);
    return () => this.frames.off('frame', listener);
  }

  /** Resolves once LISTEN is in place (or the first attempt failed: it keeps trying). */
  async start(): Promise<void> {
    this.listener ??= new PgListener(
      this.config.DATABASE_URL,
      EVENTS_CHANNEL,
      (payload) => void this.relay(payload),
    );
    await this.listener.start();
  }

  private async relay(payload: string | undefined): Promise<void> {
    try {
      const event = JSON.parse(payload ?? '{}') as {
        webhook?: number;
        body?: unknown;
        outgoing?: string;
        event?: Record<string, unknown>;
      };
      if (event.event !== undefined) {
        // A tagging or assignment change, presented when it was made: `{chat_tagging: {...}}` etc.
        this.frames.emit('frame', { type: 'getchat_webhook', waba_payload: event.event } satisfies LiveFrame);
      } else if (event.body !== undefined) {
        this.frames.emit('frame', { type: 'waba_webhook', waba_payload: event.body } satisfies LiveFrame);
      } else if (event.webhook !== undefined) {
        // Too large for a NOTIFY payload: read from the stored row.
        const [row] = await this.db.query<{ body: unknown }>(
          `SELECT body FROM provider_webhooks WHERE id = $1`,
          [event.webhook],
        );
        if (row)
          this.frames.emit('frame', { type: 'waba_webhook', waba_payload: row.body } satisfies LiveFrame);
      } else if (event.outgoing !== undefined) {
        const messages = await this.conversations.presentByIds([event.outgoing]);
        if (messages.length)
          this.frames.emit('frame', {
            type: 'getchat_webhook',
            waba_payload: { outgoing_messages: messages },
          } satisfies LiveFrame);
      }
    } catch (error) {
      this.logger.warn(`could not relay an event: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
  }
}
