import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyboardEvent, useState } from 'react';
import { inboxApi } from '../api/client';

const drafts = new Map<string, string>();

/** Enter sends, Shift+Enter adds a line; drafts are kept per chat; closed window → explained. */
export function Composer({ waId, windowIsOpen }: { waId: string; windowIsOpen: boolean }) {
  const queries = useQueryClient();
  const [text, setText] = useState(() => drafts.get(waId) ?? '');
  const [key, setKey] = useState(() => crypto.randomUUID());
  const send = useMutation({
    mutationFn: (body: string) => inboxApi.sendText(waId, body, key),
    onSuccess: () => {
      drafts.delete(waId);
      setText('');
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
    if (text.trim() && !send.isPending) send.mutate(text);
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };
  if (!windowIsOpen)
    return (
      <p className="window-closed" role="status">
        This customer has not written in the last 24 hours, so WhatsApp only allows template messages now.
      </p>
    );
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
        placeholder="Write a message (Enter sends, Shift+Enter adds a line)"
        value={text}
        rows={2}
        onChange={(e) => update(e.target.value)}
        onKeyDown={onKey}
      />
      <button type="submit" disabled={!text.trim() || send.isPending}>
        Send
      </button>
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
