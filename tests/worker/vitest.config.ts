import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { devSecrets } from '../../tools/dev-keys.ts';
import { freePorts } from '../../tools/free-port.ts';
import { OIDC_CLIENT_ID } from '../../tools/oidc-provider.ts';

// The ExchangeFeed talks to the fake exchange that global-setup starts on this port, never to a live venue.
// ETH-USDT is configured but absent from the recording: hub tests use it so the replay never mixes in.
const [fakePort, oidcPort] = await freePorts(2);
process.env.EDGETAPE_FAKE_PORT = String(fakePort);
const fake = `127.0.0.1:${fakePort}`;
// The local OpenID Connect provider global-setup starts, and fresh signing keys for this run (never in code).
process.env.EDGETAPE_OIDC_PORT = String(oidcPort);
const accounts = {
  ...(await devSecrets()),
  OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`, OIDC_CLIENT_ID, ADMIN_EMAILS: 'admin@edgetape.test',
};

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../../wrangler.toml' },
      miniflare: {
        bindings: {
          FEED_MODE: 'replay',
          ALLOW_HTTP_WEBHOOKS: 'true',
          VAPID_SUBJECT: 'mailto:test@edgetape.invalid',
          // ETH-USDT is configured but absent from the recording: hub tests use it so the replay never mixes in.
          SYMBOLS: 'BTC-USDT,ETH-USDT',
          // Small relays and a small backlog, so sharding and slow-consumer conflation show with a few clients.
          RELAY_MAX_CLIENTS: '4',
          RELAY_BACKLOG_BYTES: '32768',
          // Binance, silent after 2 s, its URLs from the override variables so both paths are exercised; and
          // Bitstamp at a closed port, a venue that must be reported down (never reached, with or without its adapter).
          VENUES: JSON.stringify({
            binance: { ws: 'wss://unused.invalid', rest: 'https://unused.invalid', symbols: ['BTC-USDT'], staleMs: 2_000 },
            bitstamp: { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1', symbols: ['BTC-USD'] },
          }),
          BINANCE_WS_URL: `ws://${fake}`,
          BINANCE_REST_URL: `http://${fake}`,
          ...accounts,
        },
      },
    }),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    setupFiles: ['./setup.ts'],
    testTimeout: 30_000,
    // Fault tests disconnect and stall the one shared fake exchange: files take turns.
    fileParallelism: false,
  },
});
