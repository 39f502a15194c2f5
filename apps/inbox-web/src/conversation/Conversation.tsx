import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { ReactElement, useEffect } from 'react';
import { Link } from 'react-router';
import { inboxApi } from '../api/client';
import type { Message } from '../api/types';
import { Composer } from './Composer';
import { TICK_LABEL, deliveryState, messageText, messageTime, senderName, windowOpen } from './message-view';

/** How each kind of file shows in a bubble; anything else is a download. */
const VIEWERS: Record<string, (link: string) => ReactElement> = {
  image: (link) => <img src={link} alt="Image" className="bubble-image" />,
  sticker: (link) => <img src={link} alt="Sticker" className="bubble-image" />,
  audio: (link) => <audio controls src={link} />,
  voice: (link) => <audio controls src={link} />,
  video: (link) => <video controls src={link} className="bubble-image" />,
};

interface Part {
  link?: string;
  filename?: string;
  latitude?: number;
  longitude?: number;
  name?: string;
}

/** Images inline, audio and video playable, documents downloadable, a location as a map link. */
function Attachment({ message }: { message: Message }) {
  const type = message.waba_payload.type ?? 'text';
  const part = message.waba_payload[type] as Part | undefined;
  if (type === 'location' && part?.latitude !== undefined)
    return (
      <a
        href={`https://www.openstreetmap.org/?mlat=${part.latitude}&mlon=${part.longitude}`}
        target="_blank"
        rel="noreferrer"
      >
        📍 {part.name ?? 'Location'}
      </a>
    );
  if (!part?.link) return null;
  const viewer = VIEWERS[type];
  if (viewer) return viewer(part.link);
  return (
    <a href={part.link} download={part.filename ?? true}>
      📄 {part.filename ?? 'Download the document'}
    </a>
  );
}

function MessageBubble({ message }: { message: Message }) {
  const state = deliveryState(message.waba_statuses);
  const text = messageText(message);
  return (
    <li className={message.from_us ? 'bubble out' : 'bubble in'} data-message-id={message.id}>
      <span className="bubble-sender">{senderName(message)}</span>
      <Attachment message={message} />
      {!/^\[\w+\]$/.test(text) && <span className="bubble-text">{text}</span>}
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
        <Link to="/" className="back" aria-label="Back to the chats">
          ←
        </Link>
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
