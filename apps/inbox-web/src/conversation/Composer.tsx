import { KeyboardEvent, useRef, useState } from 'react';
import { Icon } from '../ui/icons';
import type { Outgoing } from './sending';
import { QuickReplies } from './QuickReplies';
import { TemplatePicker } from './TemplatePicker';

const drafts = new Map<string, string>();

/**
 * Enter sends, Shift+Enter adds a line; drafts are kept per chat. A send leaves the composer at
 * once: the conversation shows it as a bubble until the instance confirms it (or offers a retry).
 * Closed window → templates.
 */
export function Composer({
  waId,
  windowIsOpen,
  onSend,
}: {
  waId: string;
  windowIsOpen: boolean;
  onSend: (outgoing: Outgoing) => void;
}) {
  const [text, setText] = useState(() => drafts.get(waId) ?? '');
  const [file, setFile] = useState<File | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);
  const update = (value: string) => {
    setText(value);
    drafts.set(waId, value);
  };
  const submit = () => {
    if (!text.trim() && !file) return;
    onSend({ text, file, key: crypto.randomUUID() });
    update('');
    drafts.delete(waId);
    setFile(undefined);
    if (fileInput.current) fileInput.current.value = '';
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };
  if (!windowIsOpen) return <TemplatePicker waId={waId} />;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        aria-label="Message"
        placeholder={
          file ? 'Add a caption (optional)' : 'Write a message (Enter sends, Shift+Enter adds a line)'
        }
        value={text}
        rows={2}
        onChange={(e) => update(e.target.value)}
        onKeyDown={onKey}
      />
      <label className="attach" title="Attach an image or a document">
        <span className="visually-hidden">Attach an image or a document</span>
        <Icon name="paperclip" size={22} />
        <input
          ref={fileInput}
          type="file"
          accept="image/jpeg,image/png,image/webp,application/pdf,text/plain,.doc,.docx,.xls,.xlsx"
          onChange={(e) => setFile(e.target.files?.[0])}
        />
      </label>
      <button type="submit" disabled={!text.trim() && !file}>
        Send
      </button>
      {file && <p className="attached">Attached: {file.name}</p>}
      <QuickReplies
        text={text}
        onChoose={(chosen) => update(text.trim() ? `${text.trimEnd()} ${chosen}` : chosen)}
      />
    </form>
  );
}
