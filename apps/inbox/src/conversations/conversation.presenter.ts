/** Seed 002's chat, contact and message payloads. */
import type { InboxUser } from '../persistence/entities';
import { presentUser } from '../users/user.presenter';
import type { AppliedTag } from '../tags/tags-store';
import { groupOf } from '../assignment/assignment-presenter';
import type { ChatRow, ContactRow, MessageRow } from './conversation-store';

/** Up to two letters from the profile name's words, else the number's last two digits. */
export function initials(name: string, waId: string): string {
  const letters = name
    .split(/\s+/)
    .map((word) => [...word][0] ?? '')
    .filter((c) => /\p{L}|\p{N}/u.test(c))
    .slice(0, 2)
    .join('')
    .toUpperCase();
  return letters || waId.slice(-2);
}

/** Seed 002's Person; `last_message_timestamp` is the customer's own last message (the 24-hour window). */
export function presentContact(c: Pick<ContactRow, 'wa_id' | 'profile_name' | 'last_inbound_timestamp'>) {
  return {
    wa_id: c.wa_id,
    waba_payload: { profile: { name: c.profile_name }, wa_id: c.wa_id },
    initials: initials(c.profile_name, c.wa_id),
    last_message_timestamp: c.last_inbound_timestamp === null ? null : Number(c.last_inbound_timestamp),
  };
}

/** The message's id as clients see it: the provider's, or a local one until the provider has answered. */
export const messageId = (m: Pick<MessageRow, 'id' | 'wa_message_id'>): string =>
  m.wa_message_id ?? `local-${m.id}`;

export function presentMessage(
  publicUrl: string,
  m: MessageRow,
  contact: ContactRow | undefined,
  senders: Map<number, InboxUser>,
  tags: AppliedTag[] = [],
) {
  const sender = m.sender_id === null ? undefined : senders.get(m.sender_id);
  return {
    id: messageId(m),
    waba_payload: m.waba_payload,
    waba_statuses: m.waba_statuses,
    contact: contact ? presentContact(contact) : null,
    from_us: m.from_us,
    received: m.received,
    sender: sender ? presentUser(publicUrl, sender) : null,
    context: (m.waba_payload.context as object | undefined) ?? {},
    customer_wa_id: m.customer_wa_id,
    // Beyond seed 002: lets the sending client match its optimistic bubble to the stored message.
    idempotency_key: m.client_ref ?? null,
    tags,
  };
}

export function presentChat(
  publicUrl: string,
  chat: ChatRow,
  last: MessageRow | undefined,
  senders: Map<number, InboxUser>,
  tags: { byMessage: Map<string, AppliedTag[]>; byChat: Map<string, AppliedTag[]> },
) {
  const assignee = chat.assigned_user_id === null ? undefined : senders.get(chat.assigned_user_id);
  return {
    contact: presentContact(chat),
    new_messages: chat.new_messages,
    wa_id: chat.wa_id,
    last_message: last ? presentMessage(publicUrl, last, chat, senders, tags.byMessage.get(last.id)) : null,
    assigned_to_user: assignee ? presentUser(publicUrl, assignee) : null,
    assigned_group: groupOf(chat.assigned_group_id),
    tags: tags.byChat.get(chat.wa_id) ?? [],
  };
}
