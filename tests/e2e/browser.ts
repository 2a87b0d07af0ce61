import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Locally a missing browser skips with a reason; in CI (.ci/run installs it) its absence is a failure. */
export const hasChromium = existsSync(CHROMIUM) || process.env.CI === 'true';
export const NO_CHROMIUM = `Debian chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`;

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
