/** Seed 002's payloads, as far as the web inbox reads them. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Contact {
  wa_id: string;
  waba_payload: { profile: { name: string }; wa_id: string };
  initials: string;
  /** The customer's own last message (the 24-hour window), POSIX seconds. */
  last_message_timestamp: number | null;
}

export interface User {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface Message {
  id: string;
  waba_payload: Record<string, unknown> & { type?: string; timestamp?: string };
  waba_statuses: Partial<Record<DeliveryStatus, number>>;
  from_us: boolean;
  received: boolean;
  sender: User | null;
  customer_wa_id: string;
  contact: Contact | null;
  /** The Idempotency-Key it was sent with (beyond seed 002); null for a customer's message. */
  idempotency_key?: string | null;
}

export interface Group {
  id: number;
  name: string;
}

/** A tag as applied to a chat or message (seed 002's tags). */
export interface AppliedTag {
  id: number;
  name: string;
  web_inbox_color: string | null;
}

export interface Chat {
  wa_id: string;
  new_messages: number;
  contact: Contact;
  last_message: Message | null;
  assigned_to_user: User | null;
  assigned_group: Group | null;
  tags: AppliedTag[];
}

/** `users/current/`: who is logged in. */
export interface CurrentUser extends User {
  /** 'admin', 'regular' or 'app'. */
  profile: { role: string };
}

export interface Template {
  name: string;
  category: string;
  language: string;
  components: { type?: string; text?: string }[];
  status: string;
}

export interface SavedResponse {
  id: number;
  text: string;
  created_by: string;
  timestamp: number;
}
