import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { devSecrets } from '../../tools/dev-keys.ts';
import { freePort } from '../../tools/free-port.ts';
import { OIDC_CLIENT_ID } from '../../tools/oidc-provider.ts';

// The ExchangeFeed talks to the fake exchange that global-setup starts on this port, never to a live venue.
const fakePort = await freePort();
process.env.EDGETAPE_FAKE_PORT = String(fakePort);
const fake = `127.0.0.1:${fakePort}`;
// The local OpenID Connect provider global-setup starts, and fresh signing keys for this run (never in code).
const oidcPort = await freePort();
process.env.EDGETAPE_OIDC_PORT = String(oidcPort);
const accounts = {
  ...(await devSecrets()),
  OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`, OIDC_CLIENT_ID, ADMIN_EMAILS: 'admin@edgetape.test',
};

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../../wrangler.toml' },
      miniflare: { bindings: { FEED_MODE: 'replay', BINANCE_WS_URL: `ws://${fake}`, BINANCE_REST_URL: `http://${fake}`, ...accounts } },
    }),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 30_000,
  },
});
