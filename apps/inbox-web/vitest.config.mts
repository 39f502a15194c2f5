// Unit tests of the web inbox's logic (Vitest runs them with the same transform Vite builds with).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
