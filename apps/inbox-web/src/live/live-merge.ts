/**
 * What a websocket frame changes in the cached conversations, applied in place instead of reading
 * every loaded page again: delivery statuses patch their message, new messages join the newest
 * page (a message already there is replaced: its statuses may have moved on).
 */
import type { InfiniteData } from '@tanstack/react-query';
import type { DeliveryStatus, Message, Page } from '../api/types';
import { messageTime } from '../conversation/message-view';

export type History = InfiniteData<Page<Message>>;

export interface StatusUpdate {
  id: string;
  status: DeliveryStatus;
  timestamp: number;
}

const STATUSES = new Set<string>(['sent', 'delivered', 'read', 'failed']);

/** The provider webhook's `value`s, whichever of its two shapes it has. */
function webhookValues(payload: unknown): Record<string, unknown>[] {
  const body = payload as { entry?: { changes?: { value?: Record<string, unknown> }[] }[] } | undefined;
  if (!Array.isArray(body?.entry))
    return typeof payload === 'object' && payload ? [payload as Record<string, unknown>] : [];
  return body.entry.flatMap((entry) => (entry.changes ?? []).map((change) => change.value ?? {}));
}

/** The customers who wrote, in a provider webhook of either shape. */
export function inboundFrom(payload: unknown): string[] {
  const from: string[] = [];
  for (const value of webhookValues(payload)) {
    const messages = value.messages as { from?: unknown }[] | undefined;
    if (Array.isArray(messages)) for (const m of messages) if (typeof m.from === 'string') from.push(m.from);
  }
  return from;
}

export function statusesIn(payload: unknown): StatusUpdate[] {
  const updates: StatusUpdate[] = [];
  for (const value of webhookValues(payload)) {
    const statuses = value.statuses as { id?: unknown; status?: unknown; timestamp?: unknown }[] | undefined;
    if (!Array.isArray(statuses)) continue;
    for (const s of statuses)
      if (typeof s.id === 'string' && typeof s.status === 'string' && STATUSES.has(s.status))
        updates.push({ id: s.id, status: s.status as DeliveryStatus, timestamp: Number(s.timestamp) || 0 });
  }
  return updates;
}

export function applyStatuses(history: History | undefined, updates: StatusUpdate[]): History | undefined {
  if (!history || !updates.length) return history;
  const byId = new Map<string, StatusUpdate[]>();
  for (const u of updates) byId.set(u.id, [...(byId.get(u.id) ?? []), u]);
  let changed = false;
  const pages = history.pages.map((page) => {
    if (!page.results.some((m) => byId.has(m.id))) return page;
    changed = true;
    const results = page.results.map((m) => {
      const mine = byId.get(m.id);
      if (!mine) return m;
      const waba_statuses = { ...m.waba_statuses };
      for (const u of mine) waba_statuses[u.status] = u.timestamp;
      return { ...m, waba_statuses };
    });
    return { ...page, results };
  });
  return changed ? { ...history, pages } : history;
}

/** The newest second shown: what a `since_time` read starts from. */
export function newestShown(history: History | undefined): number | undefined {
  const first = history?.pages[0]?.results;
  return first?.length ? Math.max(...first.map(messageTime)) : undefined;
}

/**
 * A known message read again: statuses only accumulate, so a copy read before a status arrived
 * (a send's own answer that came after the websocket's ticks) never takes a tick away.
 */
function replaced(shown: Message, fresh: Message | undefined): Message {
  if (!fresh) return shown;
  return { ...fresh, waba_statuses: { ...shown.waba_statuses, ...fresh.waba_statuses } };
}

/** New or changed messages: a known one is replaced where it is, a new one joins the newest page. */
export function mergeNewest(history: History | undefined, incoming: Message[]): History | undefined {
  if (!history?.pages.length || !incoming.length) return history;
  const fresh = new Map(incoming.map((m) => [m.id, m]));
  const known = new Set<string>();
  const [first, ...older] = history.pages.map((page) => {
    for (const m of page.results) known.add(m.id);
    if (!page.results.some((m) => fresh.has(m.id))) return page;
    return { ...page, results: page.results.map((m) => replaced(m, fresh.get(m.id))) };
  });
  const added = incoming.filter((m) => !known.has(m.id));
  // Stable sort: within one second the new ones stay first, as the API orders them.
  const results = added.length
    ? [...added, ...first.results].sort((a, b) => messageTime(b) - messageTime(a))
    : first.results;
  return { ...history, pages: [{ ...first, results }, ...older] };
}
