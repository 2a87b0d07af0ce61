import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Bandwidth } from '../../shared/protocol/messages';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const SHOTS = join(REPO_ROOT, 'docs/screenshots');
const AXE = join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';
/** The window bytes are counted over, on both settings at once. */
const WINDOW_MS = 20_000;

export const VIEWPORTS = {
  desktop: { viewport: { width: 1440, height: 900 } },
  tablet: { viewport: { width: 1024, height: 768 }, hasTouch: true },
} satisfies Record<string, BrowserContextOptions>;

describe.skipIf(why !== '')(`settings, accessibility and the user guide's screenshots ${why}`, () => {
  const env = useReplayStack(true);

  /** A page on the replay with these settings already on the device, once it shows replayed data and candles. */
  async function open(opts: BrowserContextOptions, settings: Record<string, string>): Promise<{ page: Page; errors: string[] }> {
    const ctx = await env.browser.newContext(opts);
    await ctx.addInitScript((s) => localStorage.getItem('edgetape.settings') ?? localStorage.setItem('edgetape.settings', s), JSON.stringify(settings));
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(env.stack.url);
    await expect.poll(() => page.getByTestId('link-badge').getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    await page.waitForFunction(() => performance.getEntriesByName('chart-first-paint').length > 0, undefined, { timeout: 30_000 });
    return { page, errors };
  }

  const settingsPanel = async (page: Page) => {
    if (!(await page.getByTestId('settings-panel').isVisible())) await page.getByTestId('settings-button').click();
    return page.getByTestId('settings-panel');
  };
  const received = async (page: Page) => Number(await (await settingsPanel(page)).getByTestId('traffic').getAttribute('data-total-bytes'));
  /** Bytes each page receives over the same window. */
  async function measure(pages: Page[]): Promise<number[]> {
    const before = await Promise.all(pages.map(received));
    await pages[0]!.waitForTimeout(WINDOW_MS);
    const after = await Promise.all(pages.map(received));
    return after.map((a, i) => a - before[i]!);
  }

  it('the bandwidth setting cuts the bytes received per minute on the same replay, and a switch in the panel takes effect', async () => {
    const [a, b] = await Promise.all((['full', 'minimal'] as Bandwidth[]).map((bw) => open(VIEWPORTS.desktop, { bandwidth: bw })));
    for (const { page } of [a!, b!]) await settingsPanel(page);
    expect(await b!.page.getByTestId('setting-bandwidth-minimal').isChecked()).toBe(true);
    // Past the subscribe snapshots, both pages over one window of the one replay.
    await a!.page.waitForTimeout(3_000);
    const [full, minimal] = (await measure([a!.page, b!.page])) as [number, number];
    console.log(`bytes in ${WINDOW_MS / 1000} s: full ${full}, minimal ${minimal} (${((minimal / full) * 100).toFixed(1)} %)`);
    expect(full).toBeGreaterThan(10_000);
    expect(minimal).toBeGreaterThan(0);
    expect(minimal).toBeLessThan(full * 0.5);
    // The panel shows the rolling rate in words.
    expect(await b!.page.getByTestId('traffic').textContent()).toMatch(/^Received [\d.,]+ (kB|MB) per minute \(last \d+ s\)$/);
    // The same trades still reach the minimal page: its tape and last price move.
    const lastId = await b!.page.getByTestId('last-price').getAttribute('data-trade-id');
    await expect.poll(() => b!.page.getByTestId('last-price').getAttribute('data-trade-id'), { timeout: 15_000 }).not.toBe(lastId);

    // Switching the full page to minimal in its panel: a new socket at the new rate, and the setting kept.
    await a!.page.getByTestId('setting-bandwidth-minimal').check();
    expect(await a!.page.evaluate(() => JSON.parse(localStorage.getItem('edgetape.settings')!).bandwidth)).toBe('minimal');
    await a!.page.waitForTimeout(3_000);
    const [switched] = await measure([a!.page]);
    console.log(`bytes in ${WINDOW_MS / 1000} s after switching to minimal: ${switched}`);
    expect(switched).toBeLessThan(full * 0.5);
    expect([...a!.errors, ...b!.errors]).toEqual([]);
    await Promise.all([a!.page.context().close(), b!.page.context().close()]);
  });

  it('axe-core finds no serious or critical violations in dark and light themes, with either up/down colours', async () => {
    const { page, errors } = await open(VIEWPORTS.desktop, { theme: 'dark' });
    // through the DevTools protocol: the app's CSP (rightly) refuses an injected <script>
    await page.evaluate(readFileSync(AXE, 'utf8'));
    const found: Record<string, string[]> = {};
    for (const theme of ['dark', 'light'] as const) {
      for (const upDown of ['green-red', 'blue-orange'] as const) {
        const panel = await settingsPanel(page);
        await panel.getByTestId(`setting-theme-${theme}`).check();
        await panel.getByTestId(`setting-upDown-${upDown}`).check();
        expect(await page.evaluate(() => [document.documentElement.dataset.theme, document.documentElement.dataset.updown])).toEqual([theme, upDown]);
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ passes: { id: string }[]; violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
          const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
          return {
            checked: r.passes.map((p) => p.id),
            serious: r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`),
          };
        });
        // axe really looked: contrast was measured on text that is there
        expect(violations.checked).toContain('color-contrast');
        found[`${theme}/${upDown}`] = violations.serious;
      }
    }
    expect(found).toEqual({ 'dark/green-red': [], 'dark/blue-orange': [], 'light/green-red': [], 'light/blue-orange': [] });
    // The price has a spoken label; the polite region speaks it, not every tick.
    expect(await page.getByTestId('last-price').getAttribute('aria-label')).toMatch(/^last price \d+\.\d{2}, (buyer|seller) initiated$/);
    expect(await page.getByTestId('price-announcement').getAttribute('aria-live')).toBe('polite');
    // Times are local with UTC on hover.
    expect(await page.getByTestId('tape').locator('time').first().getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$/);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('signed in, the settings are saved to the account and another device (a touch tablet) opens with them', async () => {
    const { page, errors } = await open(VIEWPORTS.desktop, {});
    await page.goto(`${env.stack.url}/#/signup`);
    await page.getByLabel('Name').fill('Tess Trader');
    await page.getByLabel('Email').fill('tess@example.test');
    await page.getByLabel('Password').fill('a quiet tape on a thin link');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.getByTestId('nav-account').textContent(), { timeout: 15_000 }).toBe('Tess Trader');
    const panel = await settingsPanel(page);
    await expect.poll(() => panel.textContent()).toContain('Saved to your account');
    await panel.getByTestId('setting-theme-light').check();
    await panel.getByTestId('setting-upDown-blue-orange').check();
    await panel.getByTestId('setting-bandwidth-minimal').check();
    const stored = () => page.evaluate(async () => ((await (await fetch('/api/v1/users/me/preferences')).json()) as { prefs: Record<string, unknown> }).prefs);
    await expect.poll(async () => { const p = await stored(); return [p.theme, p.upDown, p.bandwidth]; }, { timeout: 10_000 }).toEqual(['light', 'blue-orange', 'minimal']);

    // A tablet that has never seen these settings: once signed in, it takes them from the account.
    const tablet = await open(VIEWPORTS.tablet, {});
    expect(await tablet.page.evaluate(() => document.documentElement.dataset.theme)).toMatch(/^(dark|light)$/);
    await tablet.page.goto(`${env.stack.url}/#/signin`);
    await tablet.page.getByLabel('Email').fill('tess@example.test');
    await tablet.page.getByLabel('Password').fill('a quiet tape on a thin link');
    await tablet.page.getByRole('button', { name: 'Sign in' }).tap();
    await expect.poll(() => tablet.page.getByTestId('nav-account').textContent(), { timeout: 15_000 }).toBe('Tess Trader');
    await expect.poll(() => tablet.page.evaluate(() => [document.documentElement.dataset.theme, document.documentElement.dataset.updown])).toEqual(['light', 'blue-orange']);
    await tablet.page.getByTestId('settings-button').tap();
    expect(await tablet.page.getByTestId('setting-bandwidth-minimal').isChecked()).toBe(true);
    expect([...errors, ...tablet.errors]).toEqual([]);
    await Promise.all([page.context().close(), tablet.page.context().close()]);
  });

  it('takes the user guide screenshots: desktop 1440×900 and tablet 1024×768, dark and light', async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const [device, opts] of Object.entries(VIEWPORTS)) {
      for (const theme of ['dark', 'light'] as const) {
        const { page, errors } = await open(opts, { theme });
        // a few seconds of candles and a filled tape, whatever the layout shows
        await page.waitForTimeout(4_000);
        const path = join(SHOTS, `guide-${device}-${theme}.png`);
        await page.screenshot({ path });
        if (device === 'desktop') {
          await settingsPanel(page);
          await page.waitForTimeout(1_500);
          await page.screenshot({ path: join(SHOTS, `guide-settings-${theme}.png`) });
        }
        expect(errors).toEqual([]);
        await page.context().close();
      }
    }
  });
});
