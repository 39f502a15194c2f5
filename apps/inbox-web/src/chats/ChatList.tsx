import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { inboxApi } from '../api/client';
import type { Chat } from '../api/types';
import { messageText, messageTime } from '../conversation/message-view';

const ROW_HEIGHT = 72;

function timeLabel(seconds: number): string {
  if (!seconds) return '';
  const date = new Date(seconds * 1000);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString();
}

/** Who handles the chat, in a word: the assignee's first name, else the group's name. */
const owner = (chat: Chat) =>
  chat.assigned_to_user
    ? chat.assigned_to_user.first_name || chat.assigned_to_user.username
    : (chat.assigned_group?.name ?? '');

/** Newest activity first, searchable, loaded page by page as it scrolls (virtualised). */
export function ChatList({ openWaId }: { openWaId?: string }) {
  const [search, setSearch] = useState('');
  const chats = useInfiniteQuery({
    queryKey: ['chats', search],
    queryFn: ({ pageParam }) => inboxApi.chats(pageParam, search),
    initialPageParam: 0,
    getNextPageParam: (last, pages) =>
      last.next ? pages.reduce((n, p) => n + p.results.length, 0) : undefined,
  });
  const pages = chats.data?.pages;
  // A chat that moved while pages were read may come twice: shown once, where it was first seen.
  const rows = useMemo(() => {
    const seen = new Set<string>();
    return (pages ?? []).flatMap((p) => p.results).filter((c) => !seen.has(c.wa_id) && !!seen.add(c.wa_id));
  }, [pages]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 10 && chats.hasNextPage && !chats.isFetchingNextPage)
      void chats.fetchNextPage();
  }, [lastIndex, rows.length, chats]);

  return (
    <nav className="chat-list" aria-label="Chats">
      <div className="chat-search">
        <input
          type="search"
          placeholder="Search name, number or message"
          aria-label="Search chats"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      {chats.isError && <p className="empty">The chats could not be loaded. Check your connection.</p>}
      {chats.isSuccess && rows.length === 0 && (
        <p className="empty">
          {search
            ? 'No chat matches your search.'
            : 'No conversations yet. They appear here as soon as a customer writes.'}
        </p>
      )}
      <div className="chat-scroller" ref={scroller}>
        <ul style={{ height: virtual.getTotalSize() }} role="list">
          {items.map((item) => {
            const chat = rows[item.index];
            const name = chat.contact.waba_payload.profile.name || `+${chat.wa_id}`;
            return (
              <li
                key={chat.wa_id}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                data-wa-id={chat.wa_id}
              >
                <Link
                  to={`/main/chat/${chat.wa_id}`}
                  className={chat.wa_id === openWaId ? 'chat open' : 'chat'}
                  aria-current={chat.wa_id === openWaId ? 'page' : undefined}
                >
                  <span className="avatar" aria-hidden="true">
                    {chat.contact.initials}
                  </span>
                  <span className="chat-main">
                    <span className="chat-name">
                      {name}
                      {owner(chat) && <span className="chat-assignee"> · {owner(chat)}</span>}
                    </span>
                    <span className="chat-preview">
                      {chat.last_message ? messageText(chat.last_message) : ''}
                    </span>
                  </span>
                  <span className="chat-side">
                    <span className="chat-time">
                      {chat.last_message ? timeLabel(messageTime(chat.last_message)) : ''}
                    </span>
                    {chat.new_messages > 0 && chat.wa_id !== openWaId && (
                      <span className="badge" aria-label={`${chat.new_messages} unread`}>
                        {chat.new_messages}
                      </span>
                    )}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      </div>
    </nav>
  );
}
