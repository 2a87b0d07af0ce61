import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { FAKE_PORT } from './fake-port.ts';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../../wrangler.toml' },
      // The ExchangeFeed talks to the fake exchange started by global-setup, never to a live venue.
      miniflare: { bindings: { FEED_MODE: 'replay', BINANCE_WS_URL: `ws://127.0.0.1:${FAKE_PORT}`, BINANCE_REST_URL: `http://127.0.0.1:${FAKE_PORT}` } },
    }),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 30_000,
  },
});
