import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { freePort } from '../../tools/free-port.ts';

// The ExchangeFeed talks to the fake exchange that global-setup starts on this port, never to a live venue.
// ETH-USDT is configured but absent from the recording: hub tests use it so the replay never mixes in.
const fakePort = await freePort();
process.env.EDGETAPE_FAKE_PORT = String(fakePort);
const fake = `127.0.0.1:${fakePort}`;
// A throwaway VAPID key pair for the web-push tests (deployments set their own as secrets).
const vapid = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
const vapidPublic = Buffer.from(await crypto.subtle.exportKey('raw', vapid.publicKey)).toString('base64url');
const vapidPrivate = JSON.stringify(await crypto.subtle.exportKey('jwk', vapid.privateKey));

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../../wrangler.toml' },
      miniflare: {
        bindings: {
          FEED_MODE: 'replay',
          ALLOW_HTTP_WEBHOOKS: 'true',
          VAPID_PUBLIC_KEY: vapidPublic,
          VAPID_PRIVATE_KEY: vapidPrivate,
          VAPID_SUBJECT: 'mailto:test@edgetape.invalid',
          // ETH-USDT is configured but absent from the recording: hub tests use it so the replay never mixes in.
          SYMBOLS: 'BTC-USDT,ETH-USDT',
          // Binance, silent after 2 s, its URLs from the override variables so both paths are exercised; and
          // Bitstamp at a closed port, a venue that must be reported down (never reached, with or without its adapter).
          VENUES: JSON.stringify({
            binance: { ws: 'wss://unused.invalid', rest: 'https://unused.invalid', symbols: ['BTC-USDT'], staleMs: 2_000 },
            bitstamp: { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1', symbols: ['BTC-USD'] },
          }),
          BINANCE_WS_URL: `ws://${fake}`,
          BINANCE_REST_URL: `http://${fake}`,
        },
      },
    }),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 30_000,
    // Fault tests disconnect and stall the one shared fake exchange: files take turns.
    fileParallelism: false,
  },
});
