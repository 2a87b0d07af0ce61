import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const ARTIFACTS = join(REPO_ROOT, 'tests/e2e/artifacts');
const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';

describe.skipIf(why !== '')(`the app on a replayed Binance recording ${why}`, () => {
  const env = useReplayStack(true);

  it('shows the last trade of the replay, says REPLAY, and paints cached candles after a reload', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(env.stack.url);
    const badge = page.getByTestId('link-badge');
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    expect(await badge.textContent()).toBe('REPLAY');
    // The venue's own badge: replayed, never LIVE, with the age of its last message.
    const venue = page.getByTestId('venue-binance');
    await expect.poll(() => venue.getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    expect(await venue.textContent()).toMatch(/^BinanceREPLAY\d+ s$/);

    // The price on screen is a trade the fake exchange has already sent, with that trade's price.
    const last = page.getByTestId('last-price');
    await expect.poll(() => last.getAttribute('data-trade-id'), { timeout: 30_000 }).toMatch(/^\d+$/);
    const [id, shown] = await last.evaluate((el) => [el.getAttribute('data-trade-id')!, el.textContent!]);
    const sent = (await (await fetch(`${env.stack.fakeUrl}/__fake/recent?last=2000`)).json()) as { frame: string }[];
    const trade = sent
      .filter((r) => r.frame.includes('@trade'))
      .map((r) => (JSON.parse(r.frame) as { data: { t: number; p: string } }).data)
      .find((d) => String(d.t) === id);
    expect(trade, `trade ${id} is not among the frames sent so far`).toBeDefined();
    // At BTCUSDT's tick in the recorded exchangeInfo (0.01): two decimals, from /api/v1/instruments.
    const listed = (await (await fetch(`${env.stack.url}/api/v1/instruments`)).json()) as { instruments: { symbol: string; specs: Record<string, { tick: string }> }[] };
    expect(listed.instruments.find((i) => i.symbol === 'BTC-USDT')?.specs.binance?.tick).toBe('0.01');
    expect(shown).toBe(Number(trade!.p).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

    // The tape lists trades the fake exchange sent, newest first; the venue table has Binance's quote.
    const tapeIds = await page.getByTestId('tape').locator('tr[data-trade-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-trade-id'))));
    expect(tapeIds.length).toBeGreaterThan(0);
    expect([...tapeIds].sort((a, b) => b - a)).toEqual(tapeIds);
    await expect.poll(() => page.getByTestId('cross').locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);

    // Let a few 1-second candles close and be persisted (every 2 s), then reload.
    const chart = page.getByTestId('candle-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-candles')), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    const before = Number(await chart.getAttribute('data-candles'));
    const firstBefore = await chart.getAttribute('data-first-time');
    await page.waitForTimeout(2_500);
    await page.reload();
    await expect.poll(async () => Number(await chart.getAttribute('data-cached')), { timeout: 10_000 }).toBeGreaterThanOrEqual(before);
    expect(await chart.getAttribute('data-first-time')).toBe(firstBefore);
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'replay-desktop.png') });
    await page.setViewportSize({ width: 820, height: 1180 }); // a tablet held upright
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'replay-tablet.png') });
    expect(errors).toEqual([]);
  });
});
