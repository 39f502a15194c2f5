import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { InboxDb } from '../persistence/inbox-db';
import { InboxUser } from '../persistence/entities';
import { IdentityService } from '../identity/identity.service';
import { TagsStore } from '../tags/tags-store';
import { ChatAssignee, PermissionsService } from '../permissions/permissions';
import { providerFailure } from '../provider/provider-errors';
import { crashPoint } from '@app/common/fault-injection';
import { Dialog360Client, ProviderRefused, ProviderUnavailable } from '../provider/waba-client';
import {
  ChatFilters,
  ContactRow,
  ConversationStore,
  MessageFilters,
  MessageRow,
  PendingSend,
} from './conversation-store';
import { presentChat, presentMessage } from './conversation.presenter';
import { MEDIA_TYPES, TEMPLATE_TYPES, WA_ID, readMessageInput } from './message-input';
import { MediaService } from '../media/media.service';

/** WhatsApp's customer-service window: free-form messages only within 24 h of the customer's last one. */
export const SERVICE_WINDOW_SECONDS = 24 * 3600;
const now = () => Math.floor(Date.now() / 1000);

@Injectable()
export class ConversationsService {
  constructor(
    private readonly store: ConversationStore,
    private readonly db: InboxDb,
    private readonly client: Dialog360Client,
    private readonly config: BootstrapEnv,
    private readonly media: MediaService,
    private readonly identity: IdentityService,
    private readonly tags: TagsStore,
    private readonly permissions: PermissionsService,
  ) {}

  async chats(user: InboxUser, filters: ChatFilters, limit: number, offset: number) {
    const scope = await this.permissions.readScope(user);
    const { rows, count } = await this.store.chats(user.id, { ...filters, scope }, limit, offset);
    const lasts = await this.store.messagesByIds(
      user.id,
      rows.map((r) => r.last_message_id).filter((id): id is string => id !== null),
    );
    // Senders of the last messages and the chats' assignees, in one read.
    const senders = await this.users([
      ...lasts.map((m) => m.sender_id),
      ...rows.map((r) => r.assigned_user_id),
    ]);
    const byId = new Map(lasts.map((m) => [m.id, m]));
    const tags = await this.tags.applied(
      lasts.map((m) => m.id),
      rows.map((r) => r.wa_id),
    );
    const results = rows.map((chat) =>
      presentChat(
        this.config.PUBLIC_URL,
        chat,
        chat.last_message_id ? byId.get(chat.last_message_id) : undefined,
        senders,
        tags,
      ),
    );
    return { count, results };
  }

  async messages(user: InboxUser, filters: MessageFilters, markAsReceived: boolean) {
    const scope = await this.permissions.readScope(user);
    const { rows, count } = await this.store.messages(user.id, { ...filters, scope });
    if (markAsReceived) {
      const newest = new Map<string, number>();
      for (const m of rows)
        newest.set(m.customer_wa_id, Math.max(newest.get(m.customer_wa_id) ?? 0, Number(m.timestamp)));
      for (const [waId, timestamp] of newest) await this.store.markReceived(user.id, waId, timestamp);
    }
    return { count, results: await this.present(rows) };
  }

  /**
   * Sends one message: recorded first under the caller's reference (Idempotency-Key, else a new
   * one), then sent with that reference, so a retried request or a retried provider call never
   * sends twice. A provider refusal (4xx) is the caller's 400 with the provider's answer.
   */
  async send(user: InboxUser, body: Record<string, unknown>, idempotencyKey: string | undefined) {
    const { waId, type, content: message } = readMessageInput(body);
    const contact = await this.store.contact(waId);
    await this.permissions.mayWrite(user, contactAssignee(contact));
    const windowOpen = Number(contact?.last_inbound_timestamp ?? 0) >= now() - SERVICE_WINDOW_SECONDS;
    if (!TEMPLATE_TYPES.includes(type) && !windowOpen) {
      throw new DrfError(400, {
        detail:
          'The 24-hour customer service window is closed: the customer has not written in the last 24 hours. Send a template message instead.',
        code: 'service_window_closed',
      });
    }
    const clientRef = idempotencyKey ?? randomUUID();
    const timestamp = now();
    const { stored, forProvider } = await this.mediaReferences(type, message);
    const outgoing = { to: waId, type, [type]: forProvider };
    const recorded = await this.store.recordOutgoing({
      clientRef,
      waId,
      type,
      timestamp,
      payload: { to: waId, type, [type]: stored, timestamp: String(timestamp) },
      senderId: user.id,
      text: textOf(type, message),
    });
    let response: unknown = null;
    if (!recorded.waMessageId) {
      try {
        response = await this.deliver(
          recorded.id,
          clientRef,
          outgoing,
          { to: waId, type, [type]: stored },
          timestamp,
        );
      } catch (error) {
        if (error instanceof ProviderRefused) await this.store.dropOutgoing(recorded.id);
        throw providerFailure(error, 'WhatsApp refused the message.');
      }
    }
    const [row] = await this.store.messagesByIds(user.id, [recorded.id]);
    const [presented] = await this.present([row]);
    return { ...presented, waba_response: response };
  }

  /** Sends a recorded message under its reference and records the provider's answer. */
  private async deliver(
    id: string,
    clientRef: string,
    outgoing: Record<string, unknown>,
    stored: Record<string, unknown>,
    timestamp: number,
  ): Promise<unknown> {
    const sent = await this.client.send(outgoing, clientRef);
    // Fault injection (tests): the provider has it, the instance has not recorded it.
    crashPoint('inbox.send.answered');
    await this.store.recordSent(id, stored.to as string, sent.id, {
      ...stored,
      id: sent.id,
      timestamp: String(timestamp),
    });
    return sent.response;
  }

  /**
   * A send whose provider answer was never recorded (the process died in between): sent again
   * under the same reference, which the provider answers with the first answer (the Idempotency-Key
   * every send carries; the sandbox honours it), so the customer gets it once and the message gets
   * its provider id. A refusal drops it, as it would have been; an outage leaves it for later.
   */
  async resendPending(pending: PendingSend): Promise<'sent' | 'dropped' | 'later'> {
    const { to: _to, timestamp: _ts, ...rest } = pending.waba_payload;
    const message = rest[pending.type] as Record<string, unknown>;
    const stored = { to: pending.customer_wa_id, type: pending.type, [pending.type]: message };
    try {
      const { forProvider } = await this.mediaReferences(pending.type, message);
      const outgoing = { to: pending.customer_wa_id, type: pending.type, [pending.type]: forProvider };
      await this.deliver(pending.id, pending.client_ref, outgoing, stored, Number(pending.timestamp));
      return 'sent';
    } catch (error) {
      const refused =
        error instanceof ProviderRefused || (error instanceof DrfError && error.getStatus() < 500);
      if (refused) {
        await this.store.dropOutgoing(pending.id);
        return 'dropped';
      }
      if (error instanceof ProviderUnavailable || error instanceof DrfError) return 'later';
      throw error;
    }
  }

  /**
   * A media message naming one of our files (`id`, or a `link` to this instance) is sent by the
   * provider's id for it (uploaded on first use) and stored with our id and link, which the inbox
   * can load; anything else goes as it is (WhatsApp fetches external links itself).
   */
  private async mediaReferences(type: string, message: Record<string, unknown>) {
    if (!MEDIA_TYPES.includes(type) || !this.media.ownMediaId(message))
      return { stored: message, forProvider: message };
    const ours = this.media.ownMediaId(message)!;
    try {
      const forProvider = await this.media.providerReference(message);
      return { stored: { ...message, id: ours, link: this.media.link(ours) }, forProvider };
    } catch (error) {
      throw providerFailure(error, 'WhatsApp refused the file.');
    }
  }

  async markReceived(user: InboxUser, body: Record<string, unknown>) {
    const errors: Record<string, string[]> = {};
    const timestamp = body.timestamp;
    const waId = body.customer_wa_id;
    if (timestamp === undefined) errors.timestamp = ['This field is required.'];
    else if (!Number.isInteger(Number(timestamp)) || Number(timestamp) < 0 || Number(timestamp) > 1e11)
      errors.timestamp = ['A valid integer is required.'];
    if (waId === undefined) errors.customer_wa_id = ['This field is required.'];
    else if (typeof waId !== 'string' || !WA_ID.test(waId))
      errors.customer_wa_id = ['Not a valid WhatsApp id.'];
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    await this.permissions.mayRead(user, contactAssignee(await this.store.contact(waId as string)));
    await this.store.markReceived(user.id, waId as string, Number(timestamp));
    return { timestamp: Number(timestamp), customer_wa_id: waId };
  }

  /**
   * Messages as seed 002 shows them, by our ids, to one user (`received` is theirs); by default as
   * for nobody (the websocket's outgoing_messages).
   */
  async presentByIds(ids: string[], userId = 0) {
    return this.present(await this.store.messagesByIds(userId, ids));
  }

  /** The same by the provider's ids, in the order given (a relayed provider webhook's messages). */
  async presentByProviderIds(waMessageIds: string[], userId: number) {
    const rows = await this.store.messagesByProviderIds(userId, waMessageIds);
    const order = new Map(waMessageIds.map((id, i) => [id, i]));
    rows.sort((a, b) => (order.get(a.wa_message_id!) ?? 0) - (order.get(b.wa_message_id!) ?? 0));
    return this.present(rows);
  }

  private async present(rows: MessageRow[]) {
    const senders = await this.senders(rows);
    const contacts = await this.store.contacts([...new Set(rows.map((r) => r.customer_wa_id))]);
    const { byMessage } = await this.tags.applied(
      rows.map((r) => r.id),
      [],
    );
    return rows.map((m) =>
      presentMessage(this.config.PUBLIC_URL, m, contacts.get(m.customer_wa_id), senders, byMessage.get(m.id)),
    );
  }

  private senders(rows: MessageRow[]): Promise<Map<number, InboxUser>> {
    return this.users(rows.map((r) => r.sender_id));
  }

  private async users(ids: (number | null)[]): Promise<Map<number, InboxUser>> {
    const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
    return new Map((await this.identity.usersByIds(wanted)).map((u) => [u.id, u]));
  }
}

/** A stored chat's assignee; undefined for a chat that does not exist yet. */
export const contactAssignee = (contact: ContactRow | null | undefined): ChatAssignee | undefined =>
  contact
    ? {
        assigned_user_id: contact.assigned_user_id ?? null,
        assigned_group_id: contact.assigned_group_id ?? null,
      }
    : undefined;

function textOf(type: string, message: Record<string, unknown>): string | null {
  if (type === 'text' && typeof message.body === 'string') return message.body;
  if (typeof message.caption === 'string') return message.caption;
  return null;
}
