/**
 * Seed 002's websocket: token first, then every event. Events are applied to what is cached:
 * statuses patch their message, a customer's new messages are read with `since_time` and merged,
 * messages written by other agents (getchat_webhook) are merged as they come, an assignment or
 * tagging change reads the open chat's owner again; the chat list is read again. After a drop it reconnects with backoff (0.5 s doubling to 15 s) and reads
 * everything on screen again, so what happened meanwhile shows.
 */
import { QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { inboxApi } from '../api/client';
import type { Message } from '../api/types';
import { session } from '../auth/session';
import { refreshChatList } from '../chats/chat-list-refresh';
import { History, applyStatuses, inboundFrom, mergeNewest, newestShown, statusesIn } from './live-merge';

export type LiveState = 'connecting' | 'live' | 'offline';

interface Frame {
  type: string;
  status?: string;
  waba_payload?: { outgoing_messages?: Message[] } & Record<string, unknown>;
}

/** A customer wrote: if their conversation is cached, read what is new since its newest second. */
async function catchUp(queries: QueryClient, waId: string): Promise<void> {
  const key = ['messages', waId];
  const since = newestShown(queries.getQueryData<History>(key));
  if (since === undefined) return void queries.invalidateQueries({ queryKey: key });
  const page = await inboxApi.messagesSince(waId, since);
  if (page.next) return void queries.invalidateQueries({ queryKey: key }); // too much at once: read again
  queries.setQueryData<History>(key, (data) => mergeNewest(data, page.results));
}

function apply(queries: QueryClient, frame: Frame, onInbound: (waId: string) => void): void {
  const payload = frame.waba_payload;
  if (frame.type === 'getchat_webhook') {
    for (const message of payload?.outgoing_messages ?? [])
      queries.setQueryData<History>(['messages', message.customer_wa_id], (data) =>
        mergeNewest(data, [message]),
      );
    // An assignment or tagging change: the open chat's owner and tags are read again.
    if (!payload?.outgoing_messages) void queries.invalidateQueries({ queryKey: ['chat'] });
    return;
  }
  const statuses = statusesIn(payload);
  if (statuses.length)
    queries.setQueriesData<History>({ queryKey: ['messages'] }, (data) => applyStatuses(data, statuses));
  for (const waId of new Set(inboundFrom(payload))) {
    onInbound(waId);
    catchUp(queries, waId).catch(() => void queries.invalidateQueries({ queryKey: ['messages', waId] }));
  }
}

export function useLiveEvents(onInbound: (waId: string) => void): LiveState {
  const queries = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  // The latest callback, without reconnecting each time the open chat changes.
  const inbound = useRef(onInbound);
  useEffect(() => {
    inbound.current = onInbound;
  }, [onInbound]);
  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry = 500;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = () => {
      setState('connecting');
      socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`);
      socket.onopen = () => socket?.send(JSON.stringify({ token: session.token() }));
      socket.onmessage = (event: MessageEvent<string>) => {
        const frame = JSON.parse(event.data) as Frame;
        if (frame.type === 'token') {
          if (frame.status === 'success') {
            retry = 500;
            setState('live');
            void queries.invalidateQueries(); // what arrived while disconnected
          }
          return;
        }
        apply(queries, frame, (waId) => inbound.current(waId));
        refreshChatList(queries);
      };
      socket.onclose = () => {
        if (stopped) return;
        setState('offline');
        timer = setTimeout(connect, retry);
        retry = Math.min(retry * 2, 15_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [queries]);
  return state;
}
