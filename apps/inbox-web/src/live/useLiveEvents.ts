/**
 * Seed 002's websocket: token first, then every event. Any event refreshes what is on screen
 * (the chat list and the open conversation are read again through the API), so a reconnect after
 * a drop catches up the same way. Reconnects with backoff (0.5 s doubling to 15 s).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { session } from '../auth/session';

export type LiveState = 'connecting' | 'live' | 'offline';

export function useLiveEvents(onInbound: (waId: string) => void): LiveState {
  const queries = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry = 500;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let refresh: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const refreshSoon = () => {
      clearTimeout(refresh);
      refresh = setTimeout(() => void queries.invalidateQueries(), 50);
    };
    const connect = () => {
      setState('connecting');
      socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`);
      socket.onopen = () => socket?.send(JSON.stringify({ token: session.token() }));
      socket.onmessage = (event: MessageEvent<string>) => {
        const frame = JSON.parse(event.data) as { type: string; status?: string; waba_payload?: unknown };
        if (frame.type === 'token') {
          if (frame.status === 'success') {
            retry = 500;
            setState('live');
            refreshSoon(); // what arrived while disconnected
          }
          return;
        }
        for (const waId of inboundFrom(frame.waba_payload)) onInbound(waId);
        refreshSoon();
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
      clearTimeout(refresh);
      socket?.close();
    };
  }, [queries, onInbound]);
  return state;
}

/** The customers who wrote, in a provider webhook of either shape. */
export function inboundFrom(payload: unknown): string[] {
  const values: unknown[] = [];
  const body = payload as { entry?: { changes?: { value?: unknown }[] }[] } | undefined;
  if (Array.isArray(body?.entry)) {
    for (const entry of body.entry) for (const change of entry.changes ?? []) values.push(change.value);
  } else {
    values.push(payload);
  }
  const from: string[] = [];
  for (const value of values) {
    const messages = (value as { messages?: { from?: unknown }[] } | undefined)?.messages;
    if (Array.isArray(messages)) for (const m of messages) if (typeof m.from === 'string') from.push(m.from);
  }
  return from;
}
