import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { inboxApi } from '../api/client';
import { refreshChatList } from '../chats/chat-list-refresh';
import { ownership } from './ownership';

/** The open chat's assignee and tags, with "Assign to me" or "Unassign" (kept current by the websocket). */
export function ChatOwner({ waId }: { waId: string }) {
  const queries = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: inboxApi.currentUser, staleTime: Infinity });
  const chat = useQuery({ queryKey: ['chat', waId], queryFn: () => inboxApi.chat(waId) });
  const assign = useMutation({
    mutationFn: (userId: number | null) => inboxApi.assignChat(waId, userId),
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ['chat', waId] });
      refreshChatList(queries);
    },
  });
  if (!chat.data || !me.data) return null;
  const { label, action } = ownership(chat.data, me.data);
  const myId = me.data.id;
  return (
    <div className="chat-owner">
      {chat.data.tags.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {chat.data.tags.map((tag) => (
            <li key={tag.id} className="tag" style={{ borderColor: tag.web_inbox_color ?? undefined }}>
              <span
                className="tag-dot"
                style={{ background: tag.web_inbox_color ?? 'var(--muted)' }}
                aria-hidden="true"
              />
              {tag.name}
            </li>
          ))}
        </ul>
      )}
      <span className="assignee" aria-live="polite">
        {label}
      </span>
      {action && (
        <button
          type="button"
          className="secondary"
          disabled={assign.isPending}
          onClick={() => assign.mutate(action === 'take' ? myId : null)}
        >
          {action === 'take' ? 'Assign to me' : 'Unassign'}
        </button>
      )}
      {assign.isError && (
        <span role="alert" className="error">
          {assign.error.message}
        </span>
      )}
    </div>
  );
}
