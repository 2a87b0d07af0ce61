import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // A browser against a local stack on a shared machine: a poll's 1 s default measures the neighbours' load, not the app.
    expect: { poll: { timeout: 10_000 } },
  },
});
