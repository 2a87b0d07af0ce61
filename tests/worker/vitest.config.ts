import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { freePort } from '../../tools/free-port.ts';

// The ExchangeFeed talks to the fake exchange that global-setup starts on this port, never to a live venue.
const fakePort = await freePort();
process.env.EDGETAPE_FAKE_PORT = String(fakePort);
const fake = `127.0.0.1:${fakePort}`;

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../../wrangler.toml' },
      miniflare: { bindings: { FEED_MODE: 'replay', SYMBOLS: 'BTC-USDT,ETH-USDT', RELAY_MAX_CLIENTS: '4', RELAY_BACKLOG_BYTES: '32768', BINANCE_WS_URL: `ws://${fake}`, BINANCE_REST_URL: `http://${fake}` } },
    }),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 30_000,
  },
});
