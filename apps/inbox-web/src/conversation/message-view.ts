/** What a message shows: its text or a description, its time, its delivery tick. */
import type { DeliveryStatus, Message } from '../api/types';

const ORDER: DeliveryStatus[] = ['sent', 'delivered', 'read'];

/** The furthest status reached (`failed` wins: the customer never got it). */
export function deliveryState(statuses: Message['waba_statuses']): DeliveryStatus | 'pending' {
  if (statuses.failed) return 'failed';
  for (const status of [...ORDER].reverse()) if (statuses[status]) return status;
  return 'pending';
}

export const TICK_LABEL: Record<DeliveryStatus | 'pending', string> = {
  pending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not delivered',
};

export function messageText(message: Pick<Message, 'waba_payload'>): string {
  const payload = message.waba_payload;
  const type = typeof payload.type === 'string' ? payload.type : 'text';
  const part = payload[type] as { body?: unknown; caption?: unknown; name?: unknown } | undefined;
  if (typeof part?.body === 'string') return part.body;
  if (typeof part?.caption === 'string') return part.caption;
  if (type === 'template' && typeof part?.name === 'string') return `Template: ${part.name}`;
  return `[${type}]`;
}

export function messageTime(message: Pick<Message, 'waba_payload'>): number {
  return Number(message.waba_payload.timestamp ?? 0);
}

/** WhatsApp's customer-service window: free text only within 24 h of the customer's last message. */
export function windowOpen(lastInbound: number | null | undefined, nowSeconds = Date.now() / 1000): boolean {
  return typeof lastInbound === 'number' && lastInbound >= nowSeconds - 24 * 3600;
}

export function senderName(message: Message): string {
  if (!message.from_us) return message.contact?.waba_payload.profile.name || message.customer_wa_id;
  const s = message.sender;
  if (!s) return 'You';
  return [s.first_name, s.last_name].filter(Boolean).join(' ') || s.username;
}
