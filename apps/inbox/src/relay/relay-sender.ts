/**
 * What one webhook receives for a batch of its deliveries: the bodies, and what a 2xx for each means
 * for the webhook's user. Posting them is the posting thread's job (relay-poster.ts).
 */
import { Injectable } from '@nestjs/common';
import { ConversationsService } from '../conversations/conversations.service';
import { readProviderWebhook } from '../provider/provider-webhook';
import type { WabaWebhook } from '../waba-webhooks/waba-webhooks-store';
import { withAddedFields } from './relay-payload';
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

/** Seed 002: messages a webhook delivered are received by its user, up to the newest per chat. */
const marksOf = (
  messages: { customer_wa_id: string; waba_payload: Record<string, unknown> }[],
): ReceivedMark[] =>
  messages.map((m) => ({ waId: m.customer_wa_id, timestamp: Number(m.waba_payload.timestamp) }));

@Injectable()
export class RelaySender {
  constructor(
    private readonly store: RelayStore,
    private readonly conversations: ConversationsService,
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
}
