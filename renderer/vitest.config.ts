import { defineConfig } from 'vitest/config';

// The renderer's pure modules (re-ranking, settings, event folding, reconnect backoff) run under Node;
// nothing here needs a DOM or a GPU. Run: npx vitest run --config renderer/vitest.config.ts
export default defineConfig({
  test: {
    include: ['renderer/**/*.test.ts'],
    environment: 'node',
  },
});
