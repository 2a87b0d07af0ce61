import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startOidcProvider, type OidcProvider } from '../../tools/oidc-provider';
import { startStack, type Stack, type StackOptions } from '../../tools/stack';

export const CHROMIUM = '/usr/bin/chromium';
/** Locally a missing browser skips with a reason; in CI (.ci/run installs it) its absence is a failure. */
export const hasChromium = existsSync(CHROMIUM) || process.env.CI === 'true';
export const NO_CHROMIUM = `Debian chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`;

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

export interface StackFixture {
  readonly stack: Stack;
  readonly browser: Browser;
  /** Page errors and 5xx answers seen by every page `device` opened: a test ends by expecting none. */
  readonly errors: string[];
  /** A new browser context and page, closed after the file. */
  device(options?: BrowserContextOptions): Promise<{ ctx: BrowserContext; page: Page }>;
  /** Through the local OIDC provider (`oidc: true`) and back: the sign-in button, its redirect, the account page. */
  oidcSignIn(page: Page): Promise<void>;
}

/**
 * A replay stack (wrangler dev + fake exchange, fresh local state) and a browser for one test file, with a local
 * OIDC provider when asked: started before its tests, stopped and removed after. Read the fields inside the tests.
 */
export function useReplayStack(
  replay: StackOptions['replay'],
  options: { speed?: number; vars?: Record<string, string>; oidc?: boolean } = {},
): StackFixture {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let oidc: OidcProvider | undefined;
  let state = '';
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'edgetape-e2e-'));
    if (options.oidc) oidc = await startOidcProvider();
    const login: Record<string, string> = oidc ? { OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId, OIDC_NAME: 'Local OIDC' } : {};
    stack = await startStack({ replay, speed: options.speed ?? 1, loop: true, port: 0, persistTo: state, log: () => {}, vars: { ...login, ...options.vars } });
    browser = await launch();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
    await oidc?.stop();
    if (state) rmSync(state, { recursive: true, force: true });
  });
  return {
    get stack() {
      return stack!;
    },
    get browser() {
      return browser!;
    },
    errors,
    async device(o) {
      const ctx = await browser!.newContext(o);
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('response', (r) => r.status() >= 500 && errors.push(`${r.status()} ${r.url()}`));
      return { ctx, page };
    },
    async oidcSignIn(page) {
      await page.goto(`${stack!.url}/#/signin`);
      await page.getByTestId('oidc-button').click();
      await page.waitForURL(`${stack!.url}/#/account`);
      await expect.poll(() => page.getByTestId('account').isVisible(), { timeout: 15_000 }).toBe(true);
    },
  };
}
