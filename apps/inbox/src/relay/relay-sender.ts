/**
 * What one webhook receives for a batch of its deliveries, and the posting of each: signed (Standard
 * Webhooks, the webhook's own secret, `webhook-id` stable across retries), through the shared SSRF
 * guard, over keep-alive connections, bounded in time.
 */
import { Injectable } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BootstrapEnv } from '@app/bootstrap';
import { postSigned } from '@app/delivery/signed-post';
import { ConversationsService } from '../conversations/conversations.service';
import { readProviderWebhook } from '../provider/provider-webhook';
import type { WabaWebhook } from '../waba-webhooks/waba-webhooks-store';
import { withAddedFields } from './relay-payload';
import { ReceiverGuard } from './receiver-guard';
import { Delivery, RelayStore } from './relay-store';

/** What a 2xx for a delivery means for its user: these chats' messages up to then are received. */
export interface ReceivedMark {
  waId: string;
  timestamp: number;
}

export interface PreparedDelivery {
  delivery: Delivery;
  body: string;
  marks: ReceivedMark[];
}

export type PostResult = { ok: true } | { ok: false; error: string; permanent: boolean };

/** Seed 002: messages a webhook delivered are received by its user, up to the newest per chat. */
const marksOf = (
  messages: { customer_wa_id: string; waba_payload: Record<string, unknown> }[],
): ReceivedMark[] =>
  messages.map((m) => ({ waId: m.customer_wa_id, timestamp: Number(m.waba_payload.timestamp) }));

@Injectable()
export class RelaySender {
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
  };

  constructor(
    private readonly config: BootstrapEnv,
    private readonly store: RelayStore,
    private readonly conversations: ConversationsService,
    private readonly receivers: ReceiverGuard,
  ) {}

  /** The bodies of one webhook's deliveries, with a few queries for the whole batch. */
  async prepare(webhook: WabaWebhook, deliveries: Delivery[]): Promise<PreparedDelivery[]> {
    const stored = await this.store.providerWebhooks(
      deliveries.flatMap((d) => (d.provider_webhook_id ? [d.provider_webhook_id] : [])),
    );
    const wantsIncoming = webhook.events.includes('incoming_messages');
    const wantsAssigned = webhook.events.includes('assigned_messages');
    const assignees = wantsAssigned
      ? await this.store.assignees([...new Set(deliveries.map((d) => d.lane))])
      : new Map();
    const inboundIds = new Map<string, string[]>();
    for (const [id, row] of stored)
      inboundIds.set(
        id,
        readProviderWebhook(row.body).messages.map((m) => m.id),
      );
    const presented = await this.conversations.presentByProviderIds(
      [...inboundIds.values()].flat(),
      webhook.userId,
    );
    const byProviderId = new Map(presented.map((m) => [m.id, m]));
    const prepared: PreparedDelivery[] = [];
    for (const delivery of deliveries) {
      if (delivery.kind === 'event') {
        prepared.push({ delivery, body: JSON.stringify(delivery.event), marks: [] });
        continue;
      }
      if (delivery.kind === 'outgoing' || delivery.kind === 'assigned') {
        const messages = await this.conversations.presentByIds(delivery.message_ids, webhook.userId);
        if (delivery.kind === 'outgoing') {
          prepared.push({ delivery, body: JSON.stringify({ outgoing_messages: messages }), marks: [] });
          continue;
        }
        messages.sort((a, b) => Number(a.waba_payload.timestamp) - Number(b.waba_payload.timestamp));
        prepared.push({
          delivery,
          body: JSON.stringify({ assigned_messages: messages }),
          marks: marksOf(messages),
        });
        continue;
      }
      const row = stored.get(delivery.provider_webhook_id ?? '');
      if (!row) continue; // its provider webhook is gone (pruned): nothing left to send
      const inbound = (inboundIds.get(row.id) ?? []).flatMap((id) => byProviderId.get(id) ?? []);
      const incoming = wantsIncoming && inbound.length ? inbound : undefined;
      const assigned =
        assignees.get(delivery.lane) === webhook.userId && inbound.length ? inbound : undefined;
      prepared.push({
        delivery,
        body: withAddedFields(row.raw, { incoming_messages: incoming, assigned_messages: assigned }),
        marks: marksOf(inbound),
      });
    }
    return prepared;
  }

  async post(webhook: WabaWebhook, prepared: PreparedDelivery): Promise<PostResult> {
    const outcome = await postSigned(
      {
        url: webhook.url,
        messageId: `relay_${this.config.INSTANCE_ID.slice(0, 12)}_${prepared.delivery.id}`,
        body: prepared.body,
        signingSecret: webhook.secret,
        headers: webhook.headers,
        // A slower receiver holds up only its own chats.
        timeoutMs: this.config.RELAY_TIMEOUT_MS,
        agents: this.agents,
      },
      this.receivers.get(),
    );
    if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) return { ok: true };
    if (outcome.kind === 'answered')
      return { ok: false, error: `HTTP ${outcome.status}: ${outcome.bodySnippet}`.trim(), permanent: false };
    // An address the guard refuses stays refused: retrying would only delay the chat's next messages.
    return { ok: false, error: outcome.reason, permanent: outcome.kind === 'blocked' };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
