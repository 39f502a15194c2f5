/** The Integration API of this instance (same origin), with the session's token. */
import { session } from '../auth/session';
import type { Chat, CurrentUser, Message, Page, SavedResponse, Template } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(describe(body) ?? `The inbox answered ${status}.`);
  }
}

/** The first human-readable sentence in a DRF error body. */
function describe(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === 'string') return detail;
  for (const value of Object.values(body))
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = session.token();
  const response = await fetch(path, {
    ...init,
    headers: {
      ...(token ? { Authorization: `Token ${token}` } : {}),
      ...(typeof init.body === 'string' ? { 'Content-Type': 'application/json' } : {}),
      ...init.headers,
    },
  });
  const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  // Only a 401 means the token no longer works; a 403 refuses one action (seed 002's permissions)
  // and is shown where it happened.
  if (response.status === 401 && token) {
    session.end('Your session has ended. Please log in again.');
    window.dispatchEvent(new Event('inbox:logged-out'));
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

export const inboxApi = {
  login: (username: string, password: string) =>
    api<{ token: string }>('/api/v1/auth/token/', {
      method: 'POST',
      body: JSON.stringify({ username, password }),
    }),
  chats: (offset: number, search: string) =>
    api<Page<Chat>>(
      `/api/v1/chats/?limit=50&offset=${offset}${search ? `&search=${encodeURIComponent(search)}` : ''}`,
    ),
  /** Newest first; `older` pages back from a second (exclusive), skipping what that second showed. */
  messages: (waId: string, older?: { before: number; offset: number }) =>
    api<Page<Message>>(
      `/api/v1/messages/?wa_id=${waId}&limit=30${older ? `&before_time=${older.before}&offset=${older.offset}` : ''}`,
    ),
  /** What a chat got since a second (inclusive), for the live view. */
  messagesSince: (waId: string, since: number) =>
    api<Page<Message>>(`/api/v1/messages/?wa_id=${waId}&since_time=${since}&limit=100`),
  markReceived: (waId: string, timestamp: number) =>
    api('/api/v1/mark_as_received/', {
      method: 'POST',
      body: JSON.stringify({ customer_wa_id: waId, timestamp }),
    }),
  sendMessage: (waId: string, type: string, content: Record<string, unknown>, idempotencyKey: string) =>
    api<Message>('/api/v1/messages/', {
      method: 'POST',
      headers: { 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify({ wa_id: waId, type, [type]: content }),
    }),
  uploadMedia: (file: File) => {
    const form = new FormData();
    form.set('file_encoded', file, file.name);
    return api<{ id: string; file: string; mime_type: string }>('/api/v1/media/', {
      method: 'POST',
      body: form,
    });
  },
  currentUser: () => api<CurrentUser>('/api/v1/users/current/'),
  /** One chat as the list shows it (assignee, tags), found by its number. */
  chat: async (waId: string) =>
    (await api<Page<Chat>>(`/api/v1/chats/?search=${waId}&limit=20`)).results.find((c) => c.wa_id === waId) ??
    null,
  /** Seed 002's chat assignment: `null` clears the user. */
  assignChat: (waId: string, userId: number | null) =>
    api(`/api/v1/chat_assignment/${waId}/`, {
      method: 'PATCH',
      body: JSON.stringify({ assigned_to_user: userId }),
    }),
  templates: () => api<Page<Template>>('/api/v1/templates/?status=approved&limit=200'),
  savedResponses: () => api<Page<SavedResponse>>('/api/v1/saved_responses/?limit=200'),
  saveResponse: (text: string) =>
    api<SavedResponse>('/api/v1/saved_responses/', { method: 'POST', body: JSON.stringify({ text }) }),
};
