import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { inboxApi } from '../api/client';
import type { Message } from '../api/types';
import { Composer } from './Composer';
import { TICK_LABEL, deliveryState, messageText, messageTime, senderName, windowOpen } from './message-view';

function MessageBubble({ message }: { message: Message }) {
  const state = deliveryState(message.waba_statuses);
  const image =
    message.waba_payload.type === 'image' ? (message.waba_payload.image as { link?: string }) : undefined;
  return (
    <li className={message.from_us ? 'bubble out' : 'bubble in'} data-message-id={message.id}>
      <span className="bubble-sender">{senderName(message)}</span>
      {image?.link && <img src={image.link} alt="Image" className="bubble-image" />}
      <span className="bubble-text">{messageText(message)}</span>
      <span className="bubble-meta">
        {new Date(messageTime(message) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        {message.from_us && (
          <span className={`tick tick-${state}`} title={TICK_LABEL[state]} aria-label={TICK_LABEL[state]}>
            {state === 'failed' ? '!' : state === 'sent' ? '✓' : state === 'pending' ? '🕓' : '✓✓'}
          </span>
        )}
      </span>
    </li>
  );
}

/** One chat: history newest at the bottom, older pages on demand; opening it marks it received. */
export function Conversation({ waId }: { waId: string }) {
  const queries = useQueryClient();
  const history = useInfiniteQuery({
    queryKey: ['messages', waId],
    queryFn: ({ pageParam }) => inboxApi.messages(waId, pageParam),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => {
      const oldest = last.results[last.results.length - 1];
      return last.next && oldest ? messageTime(oldest) : undefined;
    },
  });
  const messages = (history.data?.pages.flatMap((p) => p.results) ?? []).slice().reverse();
  const newest = messages.length ? messageTime(messages[messages.length - 1]) : 0;
  const unread = messages.some((m) => !m.from_us && !m.received);
  useEffect(() => {
    if (!newest || !unread) return;
    void inboxApi.markReceived(waId, newest).then(() => queries.invalidateQueries({ queryKey: ['chats'] }));
  }, [waId, newest, unread, queries]);
  const contact = messages.find((m) => m.contact)?.contact ?? null;
  const name = contact?.waba_payload.profile.name || `+${waId}`;

  return (
    <section className="conversation" aria-label={`Conversation with ${name}`}>
      <header className="conversation-header">
        <h2>{name}</h2>
        <span className="muted">+{waId}</span>
      </header>
      <div className="history">
        {history.hasNextPage && (
          <button
            className="older"
            onClick={() => void history.fetchNextPage()}
            disabled={history.isFetchingNextPage}
          >
            Show older messages
          </button>
        )}
        {history.isSuccess && messages.length === 0 && (
          <p className="empty">No messages with this customer yet.</p>
        )}
        <ol aria-live="polite">
          {messages.map((m) => (
            <MessageBubble key={m.id} message={m} />
          ))}
        </ol>
      </div>
      <Composer waId={waId} windowIsOpen={windowOpen(contact?.last_message_timestamp)} />
    </section>
  );
}
