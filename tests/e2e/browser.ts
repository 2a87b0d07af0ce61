import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
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

/**
 * A replay stack (wrangler dev + fake exchange, fresh local state) and a browser for one test file:
 * started before its tests, stopped and removed after. Read `stack` and `browser` inside the tests.
 */
export function useReplayStack(replay: StackOptions['replay']): { readonly stack: Stack; readonly browser: Browser } {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let state = '';
  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'edgetape-e2e-'));
    stack = await startStack({ replay, speed: 1, loop: true, port: 0, persistTo: state, log: () => {} });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (state) rmSync(state, { recursive: true, force: true });
  });
  return {
    get stack() {
      return stack!;
    },
    get browser() {
      return browser!;
    },
  };
}
