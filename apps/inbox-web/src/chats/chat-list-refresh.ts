/**
 * Keeping the chat list current without reading every loaded page again (10,000 chats are 200
 * pages): the first page is read again and put first, and the chats it now holds leave their old
 * place further down. That is exact for a list ordered by newest activity, where every change
 * moves a chat to the top. A search result is small: it is simply read again.
 */
import { InfiniteData, QueryClient } from '@tanstack/react-query';
import { inboxApi } from '../api/client';
import type { Chat, Page } from '../api/types';

export type ChatPages = InfiniteData<Page<Chat>, number>;

export function withFreshFirstPage(data: ChatPages | undefined, fresh: Page<Chat>): ChatPages | undefined {
  if (!data?.pages.length) return data;
  const moved = new Set(fresh.results.map((c) => c.wa_id));
  const rest = data.pages.flatMap((p) => p.results).filter((c) => !moved.has(c.wa_id));
  if (!rest.length) return { pages: [fresh], pageParams: [0] };
  const last = data.pages[data.pages.length - 1];
  return { pages: [fresh, { ...last, results: rest }], pageParams: [0, fresh.results.length] };
}

/** A chat read by this user: no badge, wherever it is in the list. */
export function markChatRead(queries: QueryClient, waId: string): void {
  queries.setQueriesData<ChatPages>(
    { queryKey: ['chats'] },
    (data) =>
      data && {
        ...data,
        pages: data.pages.map((page) =>
          page.results.some((c) => c.wa_id === waId && c.new_messages)
            ? {
                ...page,
                results: page.results.map((c) => (c.wa_id === waId ? { ...c, new_messages: 0 } : c)),
              }
            : page,
        ),
      },
  );
}

let timer: ReturnType<typeof setTimeout> | undefined;
let running: Promise<void> | undefined;
let again = false;

async function refresh(queries: QueryClient): Promise<void> {
  for (const query of queries.getQueryCache().findAll({ queryKey: ['chats'] })) {
    const search = query.queryKey[1] as string;
    if (search) {
      void queries.invalidateQueries({ queryKey: query.queryKey, exact: true });
      continue;
    }
    const fresh = await inboxApi.chats(0, '');
    queries.setQueryData<ChatPages>(query.queryKey, (data) => withFreshFirstPage(data, fresh));
  }
}

/** Coalesces a burst of events into one read (50 ms), never two reads at once. */
export function refreshChatList(queries: QueryClient): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (running) {
      again = true;
      return;
    }
    running = refresh(queries)
      .catch(() => queries.invalidateQueries({ queryKey: ['chats'] }))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          refreshChatList(queries);
        }
      });
  }, 50);
}
