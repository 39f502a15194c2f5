import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { inboxApi } from '../api/client';
import { markChatRead, refreshChatList } from '../chats/chat-list-refresh';
import { MessageBubble, PendingBubble } from './Bubbles';
import { ChatOwner } from './ChatOwner';
import { Composer } from './Composer';
import { HistoryRow, OlderPage, historyRows, olderPage } from './history';
import { messageTime, windowOpen } from './message-view';
import { useSending } from './sending';

/** Rows this close to the top load the next older page. */
const LOAD_OLDER_WITHIN = 5;

function Row({ row, sending }: { row: HistoryRow; sending: ReturnType<typeof useSending> }) {
  if (row.kind === 'day')
    return (
      <div className="day-separator" role="separator">
        <span>{row.label}</span>
      </div>
    );
  if (row.kind === 'message') return <MessageBubble message={row.message} />;
  return (
    <PendingBubble
      send={row.send}
      onRetry={() => sending.retry(row.send.key)}
      onDiscard={() => sending.discard(row.send.key)}
    />
  );
}

/**
 * One chat: newest at the bottom, older pages loaded as the reader scrolls up, only the rows in
 * view in the DOM (TanStack Virtual, anchored to the end so a prepended page does not move what is
 * on screen and new messages are followed only when the reader is at the bottom). Opening the chat
 * marks its messages as received.
 */
export function Conversation({ waId }: { waId: string }) {
  const queries = useQueryClient();
  const sending = useSending(waId);
  const history = useInfiniteQuery({
    queryKey: ['messages', waId],
    queryFn: ({ pageParam }) => inboxApi.messages(waId, pageParam),
    initialPageParam: undefined as OlderPage | undefined,
    getNextPageParam: (_last, pages) => olderPage(pages),
  });
  const pages = history.data?.pages;
  const rows = useMemo(() => historyRows(pages ?? [], sending.pending), [pages, sending.pending]);
  const messages = useMemo(() => pages?.flatMap((p) => p.results) ?? [], [pages]);
  const newest = messages.length ? Math.max(...messages.slice(0, 30).map(messageTime)) : 0;
  const unread = messages.some((m) => !m.from_us && !m.received);
  useEffect(() => {
    if (!newest || !unread) return;
    markChatRead(queries, waId);
    void inboxApi.markReceived(waId, newest).then(() => refreshChatList(queries));
  }, [waId, newest, unread, queries]);
  const contact = messages.find((m) => m.contact)?.contact ?? null;
  const name = contact?.waba_payload.profile.name || `+${waId}`;

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (rows[index]?.kind === 'day' ? 40 : 76),
    getItemKey: (index) => rows[index]?.key ?? index,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 80,
    paddingStart: 44, // room for the "Show older messages" button above the first row
    paddingEnd: 12,
    overscan: 8,
  });
  const [atLatest, setAtLatest] = useState(false);
  useLayoutEffect(() => {
    if (atLatest || !history.isSuccess) return;
    virtual.scrollToEnd();
    setAtLatest(true);
  }, [atLatest, history.isSuccess, virtual]);
  const items = virtual.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = history;
  useEffect(() => {
    if (atLatest && firstIndex < LOAD_OLDER_WITHIN && hasNextPage && !isFetchingNextPage)
      void fetchNextPage();
  }, [atLatest, firstIndex, hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <section className="conversation" aria-label={`Conversation with ${name}`}>
      <header className="conversation-header">
        <Link to="/" className="back" aria-label="Back to the chats">
          ←
        </Link>
        <h2>{name}</h2>
        <span className="muted">+{waId}</span>
        <ChatOwner waId={waId} />
      </header>
      <div className="history-pane">
        {hasNextPage && (
          <button className="older" onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
            {isFetchingNextPage ? 'Loading older messages…' : 'Show older messages'}
          </button>
        )}
        <div className="history" ref={scroller}>
          {history.isSuccess && rows.length === 0 && (
            <p className="empty">No messages with this customer yet.</p>
          )}
          {history.isError && (
            <p className="empty">The messages could not be loaded. Check your connection.</p>
          )}
          <ol aria-live="polite" style={{ height: virtual.getTotalSize() }}>
            {items.map((item) => {
              const row = rows[item.index];
              const side =
                row.kind === 'day' ? 'day' : row.kind === 'pending' || row.message.from_us ? 'out' : 'in';
              return (
                <li
                  key={item.key}
                  data-index={item.index}
                  ref={virtual.measureElement}
                  className={`history-row ${side}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <Row row={row} sending={sending} />
                </li>
              );
            })}
          </ol>
        </div>
      </div>
      <Composer
        waId={waId}
        windowIsOpen={windowOpen(contact?.last_message_timestamp)}
        onSend={sending.send}
      />
    </section>
  );
}
