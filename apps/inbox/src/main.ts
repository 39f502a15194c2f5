/**
 * The per-tenant inbox instance (seed 002's Integration API), configured by the bootstrap
 * environment. The same file starts the relay's posting thread (relay/posting-thread.ts), which
 * must not load the application.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { POSTING_THREAD_ROLE } from './relay/posting-protocol';

if (!isMainThread && (workerData as { role?: string } | null)?.role === POSTING_THREAD_ROLE)
  void import('./relay/posting-thread').then((thread) => thread.runPostingThread());
else void import('./inbox-main');
