import { describe, expect, it } from 'vitest';
import type { Chat, Message, Page } from '../src/api/types';
import { withFreshFirstPage } from '../src/chats/chat-list-refresh';
import { historyRows, olderPage } from '../src/conversation/history';
import { History, applyStatuses, mergeNewest, newestShown, statusesIn } from '../src/live/live-merge';

const message = (id: string, timestamp: number, over: Partial<Message> = {}): Message => ({
  id,
  waba_payload: { type: 'text', text: { body: id }, timestamp: String(timestamp) },
  waba_statuses: {},
  from_us: false,
  received: true,
  sender: null,
  customer_wa_id: '4915100000000',
  contact: null,
  ...over,
});
const page = (results: Message[], next = true): Page<Message> => ({
  count: 0,
  next: next ? 'http://x/next' : null,
  previous: null,
  results,
});
const history = (...pages: Page<Message>[]): History => ({ pages, pageParams: pages.map(() => undefined) });
const NOON = Date.UTC(2026, 11, 1, 12) / 1000;
const ids = (h: History | undefined) => h?.pages.map((p) => p.results.map((m) => m.id));

describe('paging a conversation backwards', () => {
  it('asks for the second of the oldest message again, skipping the ones of that second already shown', () => {
    // Three messages share the oldest second: the next page must neither skip nor repeat them.
    const first = page([message('d', 105), message('c', 100), message('b', 100)]);
    expect(olderPage([first])).toEqual({ before: 101, offset: 2 });
    const second = page([message('a', 100), message('z', 99)]);
    expect(olderPage([first, second])).toEqual({ before: 100, offset: 1 });
  });
  it('stops when the API says there is nothing older', () => {
    expect(olderPage([page([message('a', 1)], false)])).toBeUndefined();
    expect(olderPage([page([], true)])).toBeUndefined();
  });
});

describe('the rows of a conversation', () => {
  const now = new Date(NOON * 1000);
  it('lists messages oldest first with one separator per day, and a message seen twice once', () => {
    const rows = historyRows(
      [
        page([message('today-2', NOON + 60), message('today-1', NOON)]),
        page([
          message('today-1', NOON),
          message('yesterday', NOON - 86_400),
          message('older', NOON - 5 * 86_400),
        ]),
      ],
      [],
      now,
    );
    expect(rows.map((r) => (r.kind === 'day' ? `[${r.label}]` : r.key))).toEqual([
      `[${new Date((NOON - 5 * 86_400) * 1000).toLocaleDateString([], { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' })}]`,
      'older',
      '[Yesterday]',
      'yesterday',
      '[Today]',
      'today-1',
      'today-2',
    ]);
  });
  it('puts the sends on their way last, under a separator only when their day is new', () => {
    const rows = historyRows([page([message('a', NOON)])], [{ key: 'k1', text: 'hi', at: NOON + 5 }], now);
    expect(rows.map((r) => r.kind)).toEqual(['day', 'message', 'pending']);
    const alone = historyRows([], [{ key: 'k1', text: 'hi', at: NOON }], now);
    expect(alone.map((r) => r.kind)).toEqual(['day', 'pending']);
  });
  it('shows a send once when its stored message arrived before its own answer (the websocket was faster)', () => {
    const stored = message('wamid.1', NOON, { from_us: true, idempotency_key: 'k1' });
    const sends = [
      { key: 'k1', text: 'hi', at: NOON },
      { key: 'k2', text: 'hi', at: NOON },
    ];
    const rows = historyRows([page([stored])], sends, now);
    expect(rows.map((r) => r.key)).toEqual([expect.stringMatching(/^day:/), 'wamid.1', 'pending:k2']);
  });
});

describe('live events applied to a cached conversation', () => {
  it('patches a status into the message wherever it is, from either webhook shape', () => {
    const cached = history(page([message('new', 20)]), page([message('old', 10, { from_us: true })]));
    const cloud = {
      entry: [{ changes: [{ value: { statuses: [{ id: 'old', status: 'read', timestamp: '30' }] } }] }],
    };
    const updated = applyStatuses(cached, statusesIn(cloud));
    expect(updated?.pages[1].results[0].waba_statuses).toEqual({ read: 30 });
    expect(updated?.pages[0]).toBe(cached.pages[0]); // untouched pages keep their identity
    expect(statusesIn({ statuses: [{ id: 'x', status: 'deleted' }] })).toEqual([]); // unknown statuses skipped
    expect(applyStatuses(cached, statusesIn({ statuses: [{ id: 'elsewhere', status: 'sent' }] }))).toBe(
      cached,
    );
  });
  it('keeps the ticks a message has when an older copy of it is read again', () => {
    const live = history(page([message('m', NOON, { waba_statuses: { sent: NOON, read: NOON + 2 } })]));
    const stale = message('m', NOON, { waba_statuses: { sent: NOON } });
    const merged = mergeNewest(live, [stale]);
    expect(merged?.pages[0].results[0].waba_statuses).toEqual({ sent: NOON, read: NOON + 2 });
  });
  it('adds new messages to the newest page in order and replaces a known one in place', () => {
    const cached = history(page([message('b', 20), message('a', 10)]), page([message('z', 5)]));
    expect(newestShown(cached)).toBe(20);
    const merged = mergeNewest(cached, [message('c', 20), message('z', 5, { received: false })]);
    expect(ids(merged)).toEqual([['c', 'b', 'a'], ['z']]);
    expect(merged?.pages[1].results[0].received).toBe(false);
    expect(mergeNewest(undefined, [message('c', 1)])).toBeUndefined(); // not open: nothing to merge into
  });
});

describe('the chat list kept current', () => {
  const chat = (waId: string, unread = 0): Chat => ({
    wa_id: waId,
    new_messages: unread,
    contact: {
      wa_id: waId,
      waba_payload: { profile: { name: waId }, wa_id: waId },
      initials: 'X',
      last_message_timestamp: null,
    },
    last_message: null,
    assigned_to_user: null,
    assigned_group: null,
    tags: [],
  });
  const chatPage = (ids: string[], next = true): Page<Chat> => ({
    count: 0,
    next: next ? 'http://x/next' : null,
    previous: null,
    results: ids.map((id) => chat(id)),
  });
  it('puts the first page read again first; the chats it holds leave their old place, the rest keep their order', () => {
    const loaded = { pages: [chatPage(['a', 'b', 'c']), chatPage(['d', 'e', 'f'])], pageParams: [0, 3] };
    // "e" got a message: it is now first, "c" slid to the second page.
    const merged = withFreshFirstPage(loaded, chatPage(['e', 'a', 'b']));
    expect(merged?.pages.map((p) => p.results.map((c) => c.wa_id))).toEqual([
      ['e', 'a', 'b'],
      ['c', 'd', 'f'],
    ]);
    expect(merged?.pageParams).toEqual([0, 3]);
    expect(merged?.pages[1].next).toBe('http://x/next'); // more can still be loaded after them
    expect(withFreshFirstPage(undefined, chatPage(['a']))).toBeUndefined();
  });
});
