import { defineConfig } from 'vitest/config';

// One project per runtime: Node for shared code, adapters and tools; workerd for the edge; Chromium end to end.
export default defineConfig({
  test: {
    projects: ['tests/unit/vitest.config.ts', 'tests/worker/vitest.config.ts', 'tests/e2e/vitest.config.ts'],
  },
});
