import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { inboxApi } from '../api/client';
import { refreshChatList } from '../chats/chat-list-refresh';
import { placeholderCount, preview, templateBody, templateMessage } from './template-message';

/** Outside the 24-hour window: choose an approved template, fill its parameters, send it. */
export function TemplatePicker({ waId }: { waId: string }) {
  const queries = useQueryClient();
  const templates = useQuery({ queryKey: ['templates'], queryFn: inboxApi.templates, staleTime: 60_000 });
  const [chosen, setChosen] = useState('');
  const [parameters, setParameters] = useState<string[]>([]);
  const template = templates.data?.results.find((t) => `${t.name}/${t.language}` === chosen);
  const body = template ? templateBody(template) : '';
  const needed = placeholderCount(body);
  const send = useMutation({
    mutationFn: () =>
      inboxApi.sendMessage(
        waId,
        'template',
        templateMessage(template!, parameters.slice(0, needed)),
        crypto.randomUUID(),
      ),
    onSuccess: () => {
      setChosen('');
      setParameters([]);
      void queries.invalidateQueries({ queryKey: ['messages', waId] });
      refreshChatList(queries);
    },
  });
  return (
    <form
      className="template-picker"
      onSubmit={(e) => {
        e.preventDefault();
        if (template) send.mutate();
      }}
    >
      <p className="window-closed" role="status">
        This customer has not written in the last 24 hours, so WhatsApp only allows template messages now.
      </p>
      <label>
        Template
        <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">Choose a template…</option>
          {templates.data?.results.map((t) => (
            <option key={`${t.name}/${t.language}`} value={`${t.name}/${t.language}`}>
              {t.name} ({t.language})
            </option>
          ))}
        </select>
      </label>
      {Array.from({ length: needed }, (_, i) => (
        <label key={i}>
          Parameter {i + 1}
          <input
            value={parameters[i] ?? ''}
            onChange={(e) => setParameters((p) => Object.assign([...p], { [i]: e.target.value }))}
            required
          />
        </label>
      ))}
      {template && <p className="template-preview">{preview(body, parameters)}</p>}
      <button type="submit" disabled={!template || send.isPending}>
        Send template
      </button>
      {templates.isError && <p className="error">The templates could not be loaded.</p>}
      {send.isError && (
        <p className="error" role="alert">
          Not sent: {send.error.message}
        </p>
      )}
    </form>
  );
}
