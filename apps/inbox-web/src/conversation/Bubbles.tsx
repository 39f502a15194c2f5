import { ReactElement } from 'react';
import type { Message } from '../api/types';
import { Icon } from '../ui/icons';
import type { PendingSend } from './history';
import { TICK_LABEL, deliveryState, messageText, messageTime, senderName } from './message-view';

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
        className="bubble-file"
        href={`https://www.openstreetmap.org/?mlat=${part.latitude}&mlon=${part.longitude}`}
        target="_blank"
        rel="noreferrer"
      >
        <Icon name="pin" /> {part.name ?? 'Location'}
      </a>
    );
  if (!part?.link) return null;
  const viewer = VIEWERS[type];
  if (viewer) return viewer(part.link);
  return (
    <a className="bubble-file" href={part.link} download={part.filename ?? true}>
      <Icon name="document" /> {part.filename ?? 'Download the document'}
    </a>
  );
}

const clock = (seconds: number) =>
  new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function MessageBubble({ message }: { message: Message }) {
  const state = deliveryState(message.waba_statuses);
  const text = messageText(message);
  return (
    <div className={message.from_us ? 'bubble out' : 'bubble in'} data-message-id={message.id}>
      <span className="bubble-sender">{senderName(message)}</span>
      <Attachment message={message} />
      {!/^\[\w+\]$/.test(text) && <span className="bubble-text">{text}</span>}
      <span className="bubble-meta">
        {clock(messageTime(message))}
        {message.from_us && (
          <span className={`tick tick-${state}`} title={TICK_LABEL[state]} aria-label={TICK_LABEL[state]}>
            {state === 'failed' ? (
              '!'
            ) : state === 'sent' ? (
              '✓'
            ) : state === 'pending' ? (
              <Icon name="clock" size={12} />
            ) : (
              '✓✓'
            )}
          </span>
        )}
      </span>
    </div>
  );
}

/** A send on its way (shown before the instance answers), or one that failed: retry or discard. */
export function PendingBubble({
  send,
  onRetry,
  onDiscard,
}: {
  send: PendingSend;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  return (
    <div className={send.failed ? 'bubble out pending failed' : 'bubble out pending'}>
      <span className="bubble-sender">You</span>
      {send.fileName && (
        <span className="bubble-file">
          <Icon name="document" /> {send.fileName}
        </span>
      )}
      {send.text && <span className="bubble-text">{send.text}</span>}
      {send.failed ? (
        <span className="bubble-error" role="alert">
          Not sent: {send.failed}{' '}
          <button type="button" className="link" onClick={onRetry}>
            Retry
          </button>{' '}
          <button type="button" className="link" onClick={onDiscard}>
            Discard
          </button>
        </span>
      ) : (
        <span className="bubble-meta">
          {clock(send.at)}
          <span className="tick tick-pending" title={TICK_LABEL.pending} aria-label={TICK_LABEL.pending}>
            <Icon name="clock" size={12} />
          </span>
        </span>
      )}
    </div>
  );
}
