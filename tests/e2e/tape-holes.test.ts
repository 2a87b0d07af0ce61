import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const ARTIFACTS = join(REPO_ROOT, 'tests/e2e/artifacts');
const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';

describe.skipIf(why !== '')(`the tape when trades are lost between the venue and the edge ${why}`, () => {
  const env = useReplayStack('hftbacktest/spot/btcusdt_20240808.gz');

  it('shows a row saying how many trades were missed, in their place between the trades on either side', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(env.stack.url);
    const tape = page.getByTestId('tape');
    await expect.poll(() => tape.locator('tr[data-trade-id]').count(), { timeout: 60_000 }).toBeGreaterThan(3);
    const res = await fetch(`${env.stack.fakeUrl}/__fake/fault`, { method: 'POST', body: JSON.stringify({ kind: 'drop-trade', count: 3 }) });
    expect(res.status, await res.text()).toBe(200);
    const hole = tape.locator('tr[data-hole="binance"]');
    await expect.poll(() => hole.count(), { timeout: 30_000 }).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    // The live tape moves on within a second: a still copy of it, hole and all, for the artifact.
    await page.evaluate(`{
      const el = document.querySelector('[data-testid="tape"]');
      const still = el.cloneNode(true);
      still.dataset.testid = 'tape-still';
      still.querySelector('tbody').style.maxHeight = 'none';
      el.before(still);
    }`);
    await page.getByTestId('tape-still').screenshot({ path: join(ARTIFACTS, 'tape-hole.png') });
    expect(await hole.textContent()).toBe('⚠ 3 binance trades missed');
    // Newest first: the trade above the hole is the fourth id after the one below it (three never arrived).
    const ids = await tape.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trade-id')));
    const at = ids.indexOf(null);
    if (at > 0 && at < ids.length - 1) expect(Number(ids[at - 1]) - Number(ids[at + 1])).toBe(4);
    else expect(at).toBe(0); // nothing after the hole has arrived yet
    expect(errors).toEqual([]);
  }, 120_000);
});
