import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import type { ForecastLab } from '../app/workers/forecast-view';
import { featureMatrix, N_FEATURES, WARMUP } from '../shared/ml/features';
import { forward } from '../shared/ml/model';
import { launch } from '../tests/e2e/browser';
import { DEFAULT_RECORDING } from '../tools/fake-exchange/main';
import { barRows, loadBars, TRAIN_FILE } from '../tools/ml/data';
import { decodeModel } from '../tools/ml/onnx';
import { MODEL_DIR } from '../tools/ml/train';
import { REPO_ROOT } from '../tools/paths';
import { startStack } from '../tools/stack';
import { writeResults } from './results';

const STEPS = 1000;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const r4 = (x: number) => Number(x.toPrecision(4));

/**
 * Validation quality of the shipped model beside every baseline, per rolling-origin block, from its card (the
 * held-out week after the training file is not in the repo: `npm run evaluate -- --data <file>` scores it).
 */
function quality() {
  const card = JSON.parse(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8')) as { version: string; validation: { blocks: { from: string; horizons: Record<string, { qlike: Record<string, number>; coverage90: number; brier: Record<string, number> }> }[] } };
  const table = card.validation.blocks.flatMap((b) => Object.entries(b.horizons).map(([h, c]) => ({
    block: b.from.slice(0, 10), horizon: h,
    qlike_model: r4(c.qlike.model!), qlike_ewma: r4(c.qlike.ewma!), qlike_garch: r4(c.qlike.garch!), qlike_realized: r4(c.qlike.realized!),
    vs_ewma: `${(100 * (1 - c.qlike.model! / c.qlike.ewma!)).toFixed(2)}%`,
    coverage90: `${(100 * c.coverage90).toFixed(2)}%`, brier_model: r4(c.brier.model!), brier_base: r4(c.brier.baseRate!),
  })));
  console.table(table);
  return { model: card.version, table };
}

/** One prediction at a time, warm: onnxruntime-node vs the TypeScript forward pass, on the file's last rows. */
async function nodePeers() {
  const { bars } = loadBars(TRAIN_FILE);
  const from = bars.close.length - 2000;
  const x = Float32Array.from(featureMatrix(bars, from, from + 2000));
  const bytes = readFileSync(join(MODEL_DIR, 'forecast.onnx'));
  const session = await ort.InferenceSession.create(bytes);
  const params = decodeModel(bytes);
  const ortMs: number[] = [];
  const tsMs: number[] = [];
  for (let pass = 0; pass < 2; pass++)
    for (let r = 0; r < 2000; r++) {
      const row = x.subarray(r * N_FEATURES, (r + 1) * N_FEATURES);
      let t = performance.now();
      await session.run({ features: new ort.Tensor('float32', row, [1, N_FEATURES]) });
      if (pass) ortMs.push(performance.now() - t);
      t = performance.now();
      forward(params, row);
      if (pass) tsMs.push(performance.now() - t);
    }
  const res = { ortNode: { p50: pct(ortMs, 0.5), p99: pct(ortMs, 0.99) }, tsForward: { p50: pct(tsMs, 0.5), p99: pct(tsMs, 0.99) } };
  console.table(res);
  console.log(`ratio p50 ort-node / ts-forward: ${(res.ortNode.p50 / res.tsForward.p50).toFixed(1)}×`);
  return res;
}

/** What a browser downloads for ML the first time the panel shows: sizes of the built assets, raw and gzip. */
function bytes() {
  const dist = join(REPO_ROOT, 'dist');
  const files = [
    ...readdirSync(join(dist, 'assets')).filter((f) => /^(inference\.worker|ort\.wasm\.bundle|ort-wasm).*\.(js|wasm)$/.test(f)).map((f) => join('assets', f)),
    'models/forecast.onnx', 'models/forecast-short.onnx', 'models/forecast.json',
  ];
  const rows = files.map((f) => {
    const b = readFileSync(join(dist, f));
    return { file: f, bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
  });
  const total = { file: 'total', bytes: rows.reduce((s, r) => s + r.bytes, 0), gzip: rows.reduce((s, r) => s + r.gzip, 0) };
  console.table([...rows, total]);
  return [...rows, total];
}

/** The inference worker in Chromium: warm per-prediction time, and cold start with every asset already in the Cache API. */
async function chromium() {
  const { bars } = loadBars(TRAIN_FILE);
  const from = bars.close.length - (WARMUP + 1 + STEPS);
  const rows = barRows(bars, from, from + WARMUP + 1 + STEPS);
  const stack = await startStack({ replay: DEFAULT_RECORDING, speed: 1, loop: true, port: 0, log: () => {} });
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const run = async (n: number) => {
      const page = await context.newPage();
      await page.goto(`${stack.url}/forecast-lab.html`);
      await page.waitForFunction(() => 'forecastLab' in globalThis);
      const out = await page.evaluate(([r, h]) => (globalThis as unknown as { forecastLab: ForecastLab }).forecastLab.run(r, h), [rows.slice(0, WARMUP + 1 + n), WARMUP + 1] as const);
      await page.close();
      return out;
    };
    const coldNetwork = await run(0);
    const colds = [];
    const loadBefore = loadavg()[0];
    for (let i = 0; i < 7; i++) colds.push(await run(0));
    const warm = await run(STEPS);
    // Chromium coarsens performance.now() to 0.1 ms without cross-origin isolation: quantiles are quantized, the mean is not biased.
    const ms = warm.results.slice(100).map((r) => r.inferenceMs);
    if (warm.results.slice(1).some((r) => r.engine !== 'onnxruntime')) throw new Error('a warm forecast was not onnxruntime-web\'s');
    const steps = warm.stepMs.slice(100);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const res = {
      loadAverage1m: { beforeColdRuns: loadBefore, atEnd: loadavg()[0], cores: 2 },
      warmSessionRun: { p50: pct(ms, 0.5), p99: pct(ms, 0.99), mean: mean(ms), n: ms.length },
      warmPushRoundTrip: { p50: pct(steps, 0.5), p99: pct(steps, 0.99), mean: mean(steps), n: steps.length },
      // coldMs: worker created → first forecast (TypeScript forward pass on the verified weights); onnxruntime: → its sessions ready.
      coldFromNetwork: { firstForecastMs: coldNetwork.coldMs, onnxruntimeReadyMs: coldNetwork.runtime.readyMs, engine: coldNetwork.results[0]!.engine, fromCache: coldNetwork.info?.fromCache, phases: coldNetwork.runtime.phases },
      coldFromCache: {
        runs: colds.length,
        firstForecastMs: colds.map((c) => Math.round(c.coldMs)),
        // Inside each run, ms: the worker's own start (creation → its script running load()), then from load() to the forecast.
        workerBootMs: colds.map((c) => Math.round(c.info!.bootMs)),
        loadToForecastMs: colds.map((c) => Math.round(c.runtime.phases.firstForecast!)),
        under300: colds.filter((c) => c.coldMs < 300).length,
        firstForecastMsMedian: pct(colds.map((c) => c.coldMs), 0.5),
        onnxruntimeReadyMs: colds.map((c) => Math.round(c.runtime.readyMs)),
        onnxruntimeReadyMsMedian: pct(colds.map((c) => c.runtime.readyMs), 0.5),
        engines: colds.map((c) => c.results[0]!.engine),
        allFromCache: colds.every((c) => c.info?.fromCache && c.runtime.wasmFromCache),
        phasesOfMedianRun: [...colds].sort((a, b) => a.coldMs - b.coldMs)[Math.floor(colds.length / 2)]!.runtime.phases,
      },
    };
    console.log(JSON.stringify(res, null, 2));
    return res;
  } finally {
    await browser.close();
    await stack.stop();
  }
}

export async function run(): Promise<void> {
  const results = { validation: quality(), node: await nodePeers(), download: bytes(), chromium: await chromium() };
  console.log(`wrote ${writeResults('forecast', results)}`);
}
