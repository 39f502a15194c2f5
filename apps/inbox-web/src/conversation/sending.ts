/**
 * Sending, optimistically: each send is a TanStack Query mutation kept in the mutation cache, so the
 * conversation shows it as a bubble at once (`useMutationState`), sends of one chat go out in order
 * (one mutation scope per chat), and a failed one stays with its Idempotency-Key until retried
 * (never sent twice) or discarded.
 */
import { QueryClient, useMutation, useMutationState, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { inboxApi } from '../api/client';
import { refreshChatList } from '../chats/chat-list-refresh';
import type { Message } from '../api/types';
import { History, mergeNewest } from '../live/live-merge';
import type { PendingSend } from './history';

export interface Outgoing {
  text: string;
  file?: File;
  key: string;
}

const sendKey = (waId: string) => ['send', waId];

/** A file is uploaded first, then sent as an image or a document with the text as its caption. */
async function deliver(waId: string, { text, file, key }: Outgoing): Promise<Message> {
  if (!file) return inboxApi.sendMessage(waId, 'text', { body: text }, key);
  const uploaded = await inboxApi.uploadMedia(file);
  const type = file.type.startsWith('image/') ? 'image' : 'document';
  const content: Record<string, unknown> = { id: uploaded.id };
  if (text) content.caption = text;
  if (type === 'document') content.filename = file.name;
  return inboxApi.sendMessage(waId, type, content, key);
}

/** The confirmed message takes the bubble's place at once, before the history is read again. */
export function addToHistory(queries: QueryClient, waId: string, message: Message): void {
  queries.setQueryData<History>(['messages', waId], (data) => mergeNewest(data, [message]));
}

export function useSending(waId: string) {
  const queries = useQueryClient();
  const mutation = useMutation({
    mutationKey: sendKey(waId),
    scope: { id: `send:${waId}` },
    mutationFn: (outgoing: Outgoing) => deliver(waId, outgoing),
    onSuccess: (message) => {
      addToHistory(queries, waId, message);
      refreshChatList(queries);
    },
  });
  const pending = useMutationState<PendingSend>({
    filters: { mutationKey: sendKey(waId), predicate: (m) => m.state.status !== 'success' },
    select: (m) => {
      const outgoing = m.state.variables as Outgoing;
      return {
        key: outgoing.key,
        text: outgoing.text,
        fileName: outgoing.file?.name,
        at: Math.floor(m.state.submittedAt / 1000),
        failed: m.state.status === 'error' ? (m.state.error?.message ?? 'Not sent') : undefined,
      };
    },
  });
  const { mutate } = mutation;
  const forget = useCallback(
    (key: string) => {
      const cache = queries.getMutationCache();
      const failed = cache.findAll({
        mutationKey: sendKey(waId),
        predicate: (m) => (m.state.variables as Outgoing).key === key,
      });
      for (const m of failed) cache.remove(m);
      return failed[0]?.state.variables as Outgoing | undefined;
    },
    [queries, waId],
  );
  const retry = useCallback(
    (key: string) => {
      const outgoing = forget(key);
      if (outgoing) mutate(outgoing); // the same Idempotency-Key: the instance sends it once at most
    },
    [forget, mutate],
  );
  return { send: mutate, pending, retry, discard: forget };
}
