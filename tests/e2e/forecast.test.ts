import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresAt, N_FEATURES, WARMUP } from '../../shared/ml/features';
import { forward } from '../../shared/ml/model';
import { DEFAULT_RECORDING } from '../../tools/fake-exchange/main';
import { barRows, loadBars, TRAIN_FILE } from '../../tools/ml/data';
import { decodeModel } from '../../tools/ml/onnx';
import { MODEL_DIR } from '../../tools/ml/train';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { startStack, type Stack } from '../../tools/stack';
import type { ForecastLab } from '../../app/workers/forecast-view';
import { hasChromium, launch, NO_CHROMIUM } from './browser';

const ARTIFACTS = join(REPO_ROOT, 'tests/e2e/artifacts');
const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';
const STEPS = 30;

type LabRun = Awaited<ReturnType<ForecastLab['run']>>;

describe.skipIf(why !== '')(`forecasts from the inference worker in Chromium ${why}`, () => {
  let stack: Stack;
  let browser: Browser;
  const { bars } = loadBars(TRAIN_FILE);
  const from = bars.close.length - (WARMUP + 1 + STEPS);
  const rows = barRows(bars, from, from + WARMUP + 1 + STEPS);
  beforeAll(async () => {
    // 10×: the replayed recording's minutes close every 6 s, so the low-history model (6 bars) forecasts within a minute.
    stack = await startStack({ replay: DEFAULT_RECORDING, speed: 10, loop: true, port: 0, log: () => {} });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Everything must come from the local stack: any other request fails the test. */
  const offline = async (page: Page, fetched: string[]) => {
    const origin = new URL(stack.url).origin;
    await page.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  };
  const runLab = (page: Page) => page.evaluate(([r, h]) => (window as unknown as { forecastLab: ForecastLab }).forecastLab.run(r, h), [rows, WARMUP + 1] as const) as Promise<LabRun>;

  it('loads onnxruntime-web/wasm and the model lazily, forecasts every closed bar as the Node reference does, and reloads from the Cache API', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const fetched: string[] = [];
    await offline(page, fetched);
    await page.goto(`${stack.url}/forecast-lab.html`);
    await page.waitForFunction(() => 'forecastLab' in window);
    const first = await runLab(page);

    expect(first.results).toHaveLength(STEPS + 1);
    const modelBytes = ['forecast.onnx', 'forecast-short.onnx'].reduce((n, f) => n + readFileSync(join(MODEL_DIR, f)).length, 0);
    expect(first.info).toMatchObject({ fromCache: false, modelBytes });
    expect(first.runtime).toMatchObject({ wasmFromCache: false });
    // The first forecast never waits for onnxruntime's wasm; every later one is onnxruntime-web's.
    expect(first.results.map((r) => r.engine)).toEqual(['typescript', ...Array<string>(STEPS).fill('onnxruntime')]);
    expect(first.results.every((r) => !r.lowHistory && r.historyBars >= WARMUP + 1)).toBe(true);
    const params = decodeModel(readFileSync(join(MODEL_DIR, 'forecast.onnx')));
    const x = new Float32Array(N_FEATURES);
    let worst = 0;
    first.results.forEach((r, i) => {
      const t = from + WARMUP + i;
      expect(r.barTime).toBe(bars.time[t]);
      featuresAt(bars, t, x);
      const ref = forward(params, x);
      r.horizons.forEach((h, k) => {
        worst = Math.max(worst, Math.abs(h.vol - ref.vol[k]!), Math.abs(h.pUp - ref.pUp[k]!), ...h.quantiles.map((q, j) => Math.abs(q - ref.quantiles[k]![j]!)));
        expect(h.band.high / bars.close[t]!).toBeCloseTo(Math.exp(h.quantiles[2]!), 12);
      });
    });
    expect(worst).toBeLessThan(1e-6);
    expect(fetched.filter((p) => p.endsWith('.wasm'))).toHaveLength(1);
    expect(fetched).toContain('/models/forecast.onnx');

    const panel = page.getByTestId('forecast-panel');
    expect(await panel.getAttribute('data-version')).toBe(first.info!.version);
    await expect.poll(() => page.getByTestId('forecast-60m').count()).toBe(1);
    // The panel states the card's validation verdicts, misses included, and calls them validation, not held-out.
    const card = JSON.parse(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8')) as { validation: { verdicts: Record<string, { volBeatsEwmaBy10: boolean; blocksBeatingEwmaBy10: number; blocks: number }> } };
    for (const [h, v] of Object.entries(card.validation.verdicts)) {
      const said = await page.getByTestId(`verdict-${h}`).textContent();
      expect(said).toMatch(v.volBeatsEwmaBy10 ? /beat EWMA by \+/ : /below goal/);
      expect(said).toContain(`${v.blocksBeatingEwmaBy10} of ${v.blocks} blocks`);
    }
    expect(await panel.locator('summary').textContent()).toMatch(/^\s*Validation .*not a\s+held-out test/);
    expect(await panel.textContent()).toContain('Not financial advice');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'forecast-panel.png'), fullPage: true });

    // Second visit, same profile: model and wasm come from the Cache API, not the network.
    fetched.length = 0;
    await page.reload();
    await page.waitForFunction(() => 'forecastLab' in window);
    const again = await runLab(page);
    expect(again.info?.fromCache).toBe(true);
    expect(again.runtime.wasmFromCache).toBe(true);
    expect(fetched.filter((p) => p.endsWith('.wasm') || p.endsWith('.onnx'))).toEqual([]);
    expect(again.results.map((r) => r.horizons[1]!.vol)).toEqual(first.results.map((r) => r.horizons[1]!.vol));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('in replay the app paints without ML, then the forecast panel warms up, forecasts with the low-history model and the band is drawn on the chart', async () => {
    // Short enough that the forecast panel starts below the fold.
    const context = await browser.newContext({ viewport: { width: 1280, height: 400 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const fetched: string[] = [];
    await offline(page, fetched);
    await page.goto(stack.url);
    await expect.poll(() => page.getByTestId('link-badge').getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    expect(fetched.filter((p) => /ort|inference|models\//.test(p))).toEqual([]);
    // One-minute candles: the band's points are minutes (the 5-minute forecast drawn where its horizon ends).
    await page.getByRole('toolbar', { name: 'candle interval' }).getByRole('button', { name: '1m', exact: true }).click();
    // Pixels of the band's colour on the chart's canvases (lightweight-charts draws with 2D canvases).
    const bandPixels = () =>
      page.evaluate(() => {
        let n = 0;
        for (const c of document.querySelectorAll<HTMLCanvasElement>('[data-testid="candle-chart"] canvas')) {
          const ctx = c.getContext('2d');
          if (!ctx || !c.width || !c.height) continue;
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          // #7e57c2, the forecast band's colour, with a little tolerance for antialiasing.
          for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - 0x7e) < 12 && Math.abs(d[i + 1]! - 0x57) < 12 && Math.abs(d[i + 2]! - 0xc2) < 12 && d[i + 3]! > 200) n++;
        }
        return n;
      });
    expect(await bandPixels()).toBe(0);
    await page.getByTestId('forecast-panel').scrollIntoViewIfNeeded();
    await expect.poll(() => fetched.some((p) => p.endsWith('.onnx')), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('forecast-panel').getAttribute('data-version'), { timeout: 30_000 }).toMatch(/^fc4-[0-9a-f]{12}$/);
    // A replay has no history before the recording: the low-history model answers after 6 closed minutes, flagged as such.
    await expect.poll(() => page.getByTestId('forecast-5m').count(), { timeout: 120_000 }).toBe(1);
    expect(await page.getByTestId('forecast-5m').getAttribute('data-low-history')).toBe('true');
    const lowText = await page.getByTestId('forecast-low-history').textContent();
    expect(lowText).toMatch(/^Low history: \d+ of 241 closed one-minute bars/);
    // Its validation record says "(worse)" for every baseline it loses to (the card's numbers).
    const low = (JSON.parse(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8')) as { lowHistory: { validation: { verdicts: Record<string, { qlikeVsEwma: number; qlikeVsGarch: number }> } } }).lowHistory.validation.verdicts;
    const losses = Object.values(low).flatMap((v) => [v.qlikeVsEwma, v.qlikeVsGarch]).filter((r) => r < 0).length;
    expect(losses).toBeGreaterThan(0);
    expect(lowText!.split('(worse)').length - 1).toBe(losses);
    const panel = page.getByTestId('forecast-panel');
    expect(await panel.textContent()).toContain('Not financial advice');
    expect(await panel.textContent()).toContain(`model ${await panel.getAttribute('data-version')}`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.getByTestId('candle-chart').scrollIntoViewIfNeeded();
    await expect.poll(bandPixels, { timeout: 30_000 }).toBeGreaterThan(20);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'forecast-app-replay.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);
});
