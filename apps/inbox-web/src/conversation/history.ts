/**
 * A conversation's rows: messages oldest first with a separator per day, then the sends still on
 * their way (optimistic bubbles); and the cursor of the next older page.
 */
import type { Message, Page } from '../api/types';
import { messageTime } from './message-view';

/** `before_time` is in whole seconds: `offset` skips the messages of that second already shown. */
export interface OlderPage {
  before: number;
  offset: number;
}

/** A send the API has not confirmed yet, or that failed (then it can be retried or discarded). */
export interface PendingSend {
  key: string;
  text: string;
  fileName?: string;
  failed?: string;
  /** POSIX seconds, for the day separator. */
  at: number;
}

export type HistoryRow =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: Message }
  | { kind: 'pending'; key: string; send: PendingSend };

/** Newest first, as the API pages them; a message seen on two pages counts once. */
function uniqueNewestFirst(pages: Page<Message>[]): Message[] {
  const seen = new Set<string>();
  const messages: Message[] = [];
  for (const page of pages)
    for (const message of page.results) {
      if (seen.has(message.id)) continue;
      seen.add(message.id);
      messages.push(message);
    }
  return messages;
}

/**
 * The page before the oldest message shown: `before_time` one second later than it (the API's
 * bound is exclusive), skipping the messages of its second already shown, so that a burst of
 * messages within one second is neither skipped nor repeated at a page boundary.
 */
export function olderPage(pages: Page<Message>[]): OlderPage | undefined {
  const last = pages[pages.length - 1];
  if (!last?.next) return undefined;
  const messages = uniqueNewestFirst(pages);
  const oldest = messages[messages.length - 1];
  if (!oldest) return undefined;
  const second = messageTime(oldest);
  return { before: second + 1, offset: messages.filter((m) => messageTime(m) === second).length };
}

export function dayLabel(seconds: number, now = new Date()): string {
  const day = new Date(seconds * 1000);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (day.toDateString() === now.toDateString()) return 'Today';
  if (day.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return day.toLocaleDateString([], { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** The local calendar day of a time, as a number: cheap enough for every message of a long chat. */
function dayNumber(seconds: number): number {
  const day = new Date(seconds * 1000);
  return day.getFullYear() * 512 + day.getMonth() * 32 + day.getDate();
}

export function historyRows(pages: Page<Message>[], pending: PendingSend[], now = new Date()): HistoryRow[] {
  const rows: HistoryRow[] = [];
  let currentDay = -1;
  // A label is worded (Intl, slow) once per day shown, not once per message.
  const addDay = (seconds: number) => {
    const day = dayNumber(seconds);
    if (day === currentDay) return;
    currentDay = day;
    rows.push({ kind: 'day', key: `day:${day}`, label: dayLabel(seconds, now) });
  };
  const confirmed = new Set<string>();
  for (const message of uniqueNewestFirst(pages).reverse()) {
    addDay(messageTime(message));
    rows.push({ kind: 'message', key: message.id, message });
    if (message.idempotency_key) confirmed.add(message.idempotency_key);
  }
  for (const send of pending) {
    // Stored already (the websocket can bring it before the send's own answer): shown once.
    if (confirmed.has(send.key)) continue;
    addDay(send.at);
    rows.push({ kind: 'pending', key: `pending:${send.key}`, send });
  }
  return rows;
}
