// The web inbox: static files the instance serves at its root (apps/inbox/src/web/). Built into
// dist/apps/inbox-web with hashed asset names; scripts/compress-web.ts adds .gz and .br copies.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/apps/inbox-web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    rolldownOptions: {
      // React Query marks its modules "use client" (for server components); meaningless in a SPA.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
});
