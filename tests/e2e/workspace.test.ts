import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECORDING } from '../../tools/fake-exchange/main';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const SCREENSHOTS = join(REPO_ROOT, 'docs/screenshots');
const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';
const DESKTOP = { viewport: { width: 1440, height: 900 } };
const TABLET = { viewport: { width: 1024, height: 768 }, hasTouch: true, isMobile: true };

describe.skipIf(why !== '')(`the trader workspace on desktop and tablet ${why}`, () => {
  // ETH-USDT is served but no venue in the replay feeds it: the watchlist and panels must say so, not invent prices.
  const f = useReplayStack(DEFAULT_RECORDING, { oidc: true, vars: { SYMBOLS: 'BTC-USDT,ETH-USDT' } });
  const device = async (options: BrowserContextOptions): Promise<Page> => (await f.device(options)).page;
  const oidcSignIn = f.oidcSignIn;
  const watched = (p: Page) => p.getByTestId('watch-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-symbol')));
  const columns = (p: Page) => p.getByTestId('ws-column').evaluateAll((cols) => cols.map((c) => [...c.children].map((n) => (n as HTMLElement).dataset.panel)));
  const badge = (p: Page, panel: string) => p.getByTestId(`panel-${panel}`).getByTestId('panel-state');

  it('a trader builds a watchlist, arranges and saves a named layout; a tablet signed in as them finds it as tabs in that order', async () => {
    const page = await device(DESKTOP);
    await oidcSignIn(page);
    await page.goto(`${f.stack.url}/#/`);
    await expect.poll(() => page.getByTestId('watchlist').getAttribute('data-live'), { timeout: 15_000 }).toBe('yes');
    expect(await watched(page)).toEqual([]);

    // Add by search: the combobox offers the edge's instruments; arrows pick, Enter adds, Escape closes.
    const input = page.getByTestId('watch-input');
    await input.fill('btc');
    await expect.poll(() => page.getByTestId('watch-option').allTextContents()).toEqual([expect.stringMatching(/^BTC-USDT spot/)]);
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    await input.press('ArrowDown');
    expect(await input.getAttribute('aria-activedescendant')).toBe('watch-suggestions-0');
    await input.press('Enter');
    await expect.poll(() => watched(page), { timeout: 10_000 }).toEqual(['BTC-USDT']);
    await input.fill('E');
    await expect.poll(() => page.getByTestId('watch-option').allTextContents()).toEqual([expect.stringMatching(/^ETH-USDT spot/)]);
    await input.press('Escape');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    await input.press('ArrowDown');
    await input.press('Enter');
    await expect.poll(() => watched(page), { timeout: 10_000 }).toEqual(['BTC-USDT', 'ETH-USDT']);

    // The BTC row is priced from the replay (last, spread, sparkline); ETH has no feed and shows none.
    const btc = page.locator('[data-testid=watch-item][data-symbol=BTC-USDT]');
    await expect.poll(async () => Number(await btc.getAttribute('data-last')), { timeout: 30_000 }).toBeGreaterThan(10_000);
    await expect.poll(async () => Number(await btc.locator('svg.spark').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid=watch-item][data-symbol=ETH-USDT]').getAttribute('data-last')).toBe('');
    await expect.poll(() => badge(page, 'watchlist').getAttribute('data-state'), { timeout: 15_000 }).toBe('replay');

    // Keyboard: arrows move between rows, Enter focuses every panel on the instrument; a click focuses back.
    await btc.locator('button.watch-focus').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('focused-symbol').textContent()).toMatch(/^ETH-USDT/);
    expect(await page.locator('#panel-title-chart').textContent()).toBe('ETH-USDT chart');
    expect(await page.locator('#panel-title-quote').textContent()).toBe('ETH-USDT quote');
    expect(await page.locator('[data-symbol=ETH-USDT] button.watch-focus').getAttribute('aria-current')).toBe('true');
    // nothing feeds ETH-USDT here: its panels never claim REPLAY or LIVE
    await expect.poll(() => badge(page, 'ladder').getAttribute('data-state'), { timeout: 15_000 }).toMatch(/^(stale|connecting)$/);
    await btc.locator('button.watch-focus').click();
    await expect.poll(() => page.getByTestId('focused-symbol').textContent()).toMatch(/^BTC-USDT/);
    await expect.poll(() => badge(page, 'ladder').getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    expect(await page.getByTestId('panel-ladder').getByTestId('panel-venues').textContent()).toBe('binance');

    // Arrange: the tape one column left by keyboard, venue health dragged to the top of the right column,
    // the book made taller, the first column split widened.
    expect(await columns(page)).toEqual([['watchlist', 'venues', 'portfolio', 'alerts'], ['quote', 'chart', 'forecast'], ['ladder', 'cross', 'tape']]);
    await page.getByTestId('panel-tape').getByTestId('panel-grip').focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => columns(page)).toEqual([['watchlist', 'venues', 'portfolio', 'alerts'], ['quote', 'chart', 'tape', 'forecast'], ['ladder', 'cross']]);
    const grip = await page.getByTestId('panel-venues').getByTestId('panel-grip').boundingBox();
    const ladder = await page.getByTestId('panel-ladder').boundingBox();
    await page.mouse.move(grip!.x + grip!.width / 2, grip!.y + grip!.height / 2);
    await page.mouse.down();
    await page.mouse.move(ladder!.x + 100, ladder!.y + 40, { steps: 8 });
    await page.mouse.move(ladder!.x + 100, ladder!.y + 20, { steps: 2 });
    await page.mouse.up();
    const arranged = [['watchlist', 'portfolio', 'alerts'], ['quote', 'chart', 'tape', 'forecast'], ['venues', 'ladder', 'cross']];
    await expect.poll(() => columns(page)).toEqual(arranged);
    expect(await page.getByTestId('workspace-error').count()).toBe(0);
    const handle = await page.getByTestId('panel-ladder').getByTestId('panel-resize').boundingBox();
    const tall = (await page.getByTestId('panel-ladder').boundingBox())!.height;
    await page.mouse.move(handle!.x + 50, handle!.y + 4);
    await page.mouse.down();
    await page.mouse.move(handle!.x + 50, handle!.y + 124, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => Number(await page.getByTestId('panel-ladder').getAttribute('data-height'))).toBe(Math.round(tall + 120));
    const split = await page.getByTestId('column-split').first().boundingBox();
    const width0 = Number(await page.getByTestId('ws-column').first().getAttribute('data-width'));
    await page.mouse.move(split!.x + split!.width / 2, split!.y + 100);
    await page.mouse.down();
    await page.mouse.move(split!.x + 120, split!.y + 100, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => Number(await page.getByTestId('ws-column').first().getAttribute('data-width'))).toBeGreaterThan(width0);

    await page.getByTestId('layout-name').fill('Scalping');
    await page.getByTestId('layout-save').click();
    await expect.poll(() => page.getByTestId('layout-status').textContent()).toBe('saved “Scalping” to your account');
    expect(await page.getByTestId('layout-select').inputValue()).toBe('scalping');
    await page.getByTestId('watch-input').blur();
    // enough history on the chart for the screenshot to show what the chart is for
    await expect.poll(async () => Number(await page.getByTestId('candle-chart').getAttribute('data-candles')), { timeout: 60_000 }).toBeGreaterThanOrEqual(40);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'workspace-desktop.png') });

    // A tablet, touch, same user: the same layout, as tabs in column order; targets big enough for a finger.
    const tablet = await device(TABLET);
    await oidcSignIn(tablet);
    await tablet.goto(`${f.stack.url}/#/`);
    await tablet.reload();
    await expect.poll(() => tablet.getByTestId('workspace').getAttribute('data-mode'), { timeout: 15_000 }).toBe('tabs');
    await expect.poll(() => tablet.getByTestId('layout-select').inputValue(), { timeout: 15_000 }).toBe('scalping');
    const tabs = () => tablet.getByRole('tab').evaluateAll((t) => t.map((b) => b.id.replace(/^tab-/, '')));
    expect(await tabs()).toEqual(arranged.flat());
    expect(await watched(tablet)).toEqual(['BTC-USDT', 'ETH-USDT']);
    for (const el of [...(await tablet.getByRole('tab').all()), ...(await tablet.locator('button.watch-focus').all())]) {
      expect((await el.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    }
    expect(await tablet.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-watchlist');

    // A swipe to the left shows the next tab.
    const cdp = await tablet.context().newCDPSession(tablet);
    const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', points: [number, number][]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) });
    const swipe = async (from: number, to: number, y: number) => {
      await touch('touchStart', [[from, y]]);
      for (let i = 1; i <= 6; i++) await touch('touchMove', [[from + ((to - from) * i) / 6, y]]);
      await touch('touchEnd', []);
    };
    await swipe(800, 300, 600);
    await expect.poll(() => tablet.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-portfolio');
    await swipe(300, 800, 600);
    await expect.poll(() => tablet.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-watchlist');
    expect(new URL(tablet.url()).hash).toBe('#/'); // a swipe is never the browser's back gesture

    // The chart tab: two fingers apart zoom in (fewer bars across the chart).
    await tablet.getByTestId('tab-chart').tap();
    const chart = tablet.getByTestId('candle-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-candles')), { timeout: 60_000 }).toBeGreaterThanOrEqual(30);
    await expect.poll(async () => Number(await chart.getAttribute('data-visible-bars'))).toBeGreaterThan(0);
    await tablet.waitForTimeout(500);
    await tablet.screenshot({ path: join(SCREENSHOTS, 'workspace-tablet.png') });
    const before = Number(await chart.getAttribute('data-visible-bars'));
    const box = (await chart.boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    await touch('touchStart', [[cx - 40, cy], [cx + 40, cy]]);
    for (let i = 1; i <= 8; i++) await touch('touchMove', [[cx - 40 - i * 20, cy], [cx + 40 + i * 20, cy]]);
    await touch('touchEnd', []);
    await expect.poll(async () => Number(await chart.getAttribute('data-visible-bars'))).toBeLessThan(before);

    // Offline, the tablet still opens the trader's own workspace (as last seen) and says the data is offline.
    await tablet.evaluate(() => navigator.serviceWorker.ready);
    await tablet.context().setOffline(true);
    await tablet.reload();
    await expect.poll(() => tablet.getByTestId('layout-select').inputValue(), { timeout: 15_000 }).toBe('scalping');
    expect(await tabs()).toEqual(arranged.flat());
    expect(await watched(tablet)).toEqual(['BTC-USDT', 'ETH-USDT']);
    expect(await tablet.getByTestId('watchlist').textContent()).toContain('as last seen');
    await expect.poll(() => badge(tablet, 'chart').getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    await tablet.context().setOffline(false);
    expect(f.errors).toEqual([]);
  }, 240_000);

  it('a panel badge says STALE with its age while the exchange stalls, and REPLAY again when it resumes', async () => {
    const page = await device(DESKTOP);
    await page.goto(f.stack.url);
    await expect.poll(() => badge(page, 'ladder').getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    // Every panel's badge in one read, so they are compared at one instant.
    const states = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-panel]')].map((p) => {
      const b = p.querySelector<HTMLElement>('[data-testid=panel-state]');
      return [p.dataset.panel!, b ? `${b.dataset.state} ${b.textContent}` : ''];
    })));
    const res = await fetch(`${f.stack.fakeUrl}/__fake/fault`, { method: 'POST', body: JSON.stringify({ kind: 'stall', ms: 20_000 }) });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await states()).ladder, { timeout: 20_000 }).toMatch(/^stale STALE \d+ sbinance$/);
    const stalled = await states();
    for (const panel of ['ladder', 'tape', 'cross', 'chart', 'quote']) expect(stalled[panel], panel).toMatch(/^stale STALE \d+ sbinance$/);
    expect(stalled.portfolio).toBe(''); // a placeholder has no data, so no badge
    await expect.poll(async () => (await states()).ladder, { timeout: 60_000 }).toBe('replay REPLAYbinance');
    await expect.poll(async () => (await states()).chart, { timeout: 10_000 }).toBe('replay REPLAYbinance');
    expect(f.errors).toEqual([]);
  }, 180_000);

  it('reloaded offline, the panels show cached data and say OFFLINE since when', async () => {
    const page = await device(DESKTOP);
    await page.goto(f.stack.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const chart = page.getByTestId('candle-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-candles')), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    const before = Number(await chart.getAttribute('data-candles'));
    await page.waitForTimeout(2_500); // closed candles are persisted every 2 s
    await page.context().setOffline(true);
    await page.reload();
    await expect.poll(async () => Number(await chart.getAttribute('data-cached')), { timeout: 15_000 }).toBeGreaterThanOrEqual(before);
    for (const panel of ['chart', 'ladder', 'watchlist']) {
      await expect.poll(() => badge(page, panel).getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
      expect(await badge(page, panel).locator('.badge').textContent()).toMatch(/^OFFLINE since \d\d:\d\d:\d\d$/);
    }
    // the signed-out watchlist and layout come from this browser, so they are there offline too
    expect(await watched(page)).toEqual(['BTC-USDT']);
    await page.context().setOffline(false);
    await expect.poll(() => badge(page, 'chart').getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    expect(f.errors).toEqual([]);
  }, 180_000);
});
