import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyboardEvent, useRef, useState } from 'react';
import { inboxApi } from '../api/client';
import { TemplatePicker } from './TemplatePicker';

const drafts = new Map<string, string>();

interface Outgoing {
  text: string;
  file?: File;
  key: string;
}

/** A file is uploaded first, then sent as an image or a document with the text as its caption. */
async function deliver(waId: string, { text, file, key }: Outgoing) {
  if (!file) return inboxApi.sendMessage(waId, 'text', { body: text }, key);
  const uploaded = await inboxApi.uploadMedia(file);
  const type = file.type.startsWith('image/') ? 'image' : 'document';
  const content: Record<string, unknown> = { id: uploaded.id };
  if (text) content.caption = text;
  if (type === 'document') content.filename = file.name;
  return inboxApi.sendMessage(waId, type, content, key);
}

/**
 * Enter sends, Shift+Enter adds a line; drafts are kept per chat; a failed send keeps the text and
 * offers a retry with the same Idempotency-Key (never sent twice). Closed window → templates.
 */
export function Composer({ waId, windowIsOpen }: { waId: string; windowIsOpen: boolean }) {
  const queries = useQueryClient();
  const [text, setText] = useState(() => drafts.get(waId) ?? '');
  const [file, setFile] = useState<File | undefined>();
  const [key, setKey] = useState(() => crypto.randomUUID());
  const fileInput = useRef<HTMLInputElement>(null);
  const send = useMutation({
    mutationFn: (outgoing: Outgoing) => deliver(waId, outgoing),
    onSuccess: () => {
      drafts.delete(waId);
      setText('');
      setFile(undefined);
      if (fileInput.current) fileInput.current.value = '';
      setKey(crypto.randomUUID());
      void queries.invalidateQueries({ queryKey: ['messages', waId] });
      void queries.invalidateQueries({ queryKey: ['chats'] });
    },
  });
  const update = (value: string) => {
    setText(value);
    drafts.set(waId, value);
  };
  const submit = () => {
    if ((text.trim() || file) && !send.isPending) send.mutate({ text, file, key });
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
      <label className="attach">
        <span className="visually-hidden">Attach an image or a document</span>
        📎
        <input
          ref={fileInput}
          type="file"
          accept="image/jpeg,image/png,image/webp,application/pdf,text/plain,.doc,.docx,.xls,.xlsx"
          onChange={(e) => setFile(e.target.files?.[0])}
        />
      </label>
      <button type="submit" disabled={(!text.trim() && !file) || send.isPending}>
        {send.isPending ? 'Sending…' : 'Send'}
      </button>
      {file && <p className="attached">Attached: {file.name}</p>}
      {send.isError && (
        <p className="error" role="alert">
          Not sent: {send.error.message}{' '}
          <button type="button" onClick={submit}>
            Retry
          </button>
        </p>
      )}
    </form>
  );
}
