/// <reference lib="dom" />
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { tableToIPC, makeTable } from 'apache-arrow';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { WebSocketServer, type WebSocket } from 'ws';
import { readRecording } from '../tools/fake-exchange/recording';
import { freePort } from '../tools/free-port';
import { binanceTrades, FTX_1M, readOhlcv } from '../tools/ohlcv';
import { DATA_DIR, hasData, REPO_ROOT } from '../tools/paths';
import { CANDLE_COLUMNS } from '../shared/market/candles';
import { writeResults } from './results';

/**
 * Browser engine benchmarks, all in one Chromium page per measure, on the same real data: trades from the
 * Binance recordings (spot 08-08/09 + USD-M) tiled to 10 M; FTX 1-minute bars tiled to 1 M and to a year.
 */
/** Debian's Chromium, as tests/e2e/browser.ts uses; never a downloaded one. */
const CHROMIUM = '/usr/bin/chromium';
const TRADES = 10_000_000;
const CANDLES = 1_000_000;
const YEAR = 525_600;
const MIME: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

function f64(...cols: Float64Array[]): Buffer {
  const out = new Float64Array(cols.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of cols) out.set(c, (at += c.length) - c.length);
  return Buffer.from(out.buffer);
}

/** A year of 1-minute candles ending at the current minute, tiled from the FTX file and scaled to join up. */
interface Seed {
  start: number;
  end: number;
  rows: number;
  ipc: Uint8Array;
}
function yearOfCandles(): Seed[] {
  const src = readOhlcv(FTX_1M);
  const m = src.time.length;
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(YEAR)])) as Record<(typeof CANDLE_COLUMNS)[number], Float64Array>;
  let scale = 1;
  for (let i = 0; i < YEAR; i++) {
    const k = i % m;
    if (k === 0 && i) scale = cols.close[i - 1]! / src.open[0]!;
    cols.time[i] = end - (YEAR - 1 - i) * 60_000;
    for (const c of ['open', 'high', 'low', 'close'] as const) cols[c][i] = src[c][k]! * scale;
    cols.volume[i] = src.volume[k]!;
    cols.quoteVolume[i] = src.quoteVolume[k]! * scale;
  }
  const chunks: Seed[] = [];
  for (let s = 0; s < YEAR; s += 10_080) {
    const part = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, cols[c].slice(s, s + 10_080)])) as Record<string, Float64Array>;
    const t = part.time!;
    chunks.push({ start: t[0]!, end: t[t.length - 1]!, rows: t.length, ipc: tableToIPC(makeTable(part), 'stream') });
  }
  return chunks;
}

async function serve(seed: Seed[]): Promise<{ url: string; server: Server; wss: WebSocketServer }> {
  const trades = binanceTrades(['spot/btcusdt_20240808.gz', 'spot/btcusdt_20240809.gz', 'usdm/btcusdt_20240808.gz'].flatMap((f) => readRecording(join(DATA_DIR, 'hftbacktest', f))));
  const ftx = readOhlcv(FTX_1M);
  const data: Record<string, Buffer> = {
    '/data/trades.f64': f64(trades.ts, trades.price, trades.amount),
    '/data/ohlcv.f64': f64(ftx.close, ftx.high, ftx.low, ftx.open),
    '/data/seed.json': Buffer.from(JSON.stringify({ chunks: seed.map(({ ipc: _, ...meta }) => meta) })),
  };
  seed.forEach((c, i) => (data[`/data/seed/${i}.arrow`] = Buffer.from(c.ipc)));
  const roots: [string, string][] = [
    ['/bench/', join(REPO_ROOT, 'bench/tmp/page')],
    ['/duckdb/', join(REPO_ROOT, 'node_modules/@duckdb/duckdb-wasm/dist')],
    ['/wasm/', join(REPO_ROOT, 'wasm')],
    ['/', join(REPO_ROOT, 'dist')],
  ];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    if (data[path]) return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data[path]);
    if (path.startsWith('/api/')) return res.writeHead(404).end('no history API in the bench');
    const [prefix, dir] = roots.find(([p]) => path.startsWith(p))!;
    let file = join(dir, normalize(path.slice(prefix.length)));
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(dir, 'index.html');
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  const port = await freePort();
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${port}`, server, wss };
}

/**
 * Streams real trades (re-timed to now) at `rate` messages/s for `seconds`, in the edge's protocol: hello, a
 * trades snapshot once the app subscribes, then one `trades` frame per trade on the consolidated stream.
 */
function stream(wss: WebSocketServer, rate: number, seconds: number): Promise<number> {
  const t = binanceTrades(readRecording(join(DATA_DIR, 'hftbacktest/spot/btcusdt_20240808.gz')));
  const name = 'trades:BTC-USDT:consolidated';
  return new Promise((done) => {
    // The page opens more than one socket (the watchlist has its own): stream to the one that asks for the trades.
    let started = false;
    const onConnection = (ws: WebSocket) => {
      ws.send(JSON.stringify({ t: 'hello', v: 1, codec: 'json', mode: 'replay', serverTime: Date.now(), relay: 'bench' }));
      ws.on('message', (raw) => {
        if (started || !raw.toString().includes(name)) return;
        started = true;
        wss.off('connection', onConnection);
        ws.send(JSON.stringify({ t: 'snapshot', stream: name, seq: 0, data: { kind: 'trades', trades: [] } }));
        let seq = 0;
        const start = Date.now();
        const timer = setInterval(() => {
          const due = Math.min(rate * seconds, Math.floor(((Date.now() - start) / 1000) * rate));
          for (; seq < due; seq++) {
            const k = seq % t.ts.length;
            const trade = { id: String(seq), ts: Date.now(), price: t.price[k], amount: t.amount[k], side: seq & 1 ? 'buy' : 'sell', venue: 'binance' };
            ws.send(JSON.stringify({ t: 'trades', stream: name, seq: seq + 1, trades: [trade] }));
          }
          if (seq >= rate * seconds) {
            clearInterval(timer);
            done(seq);
          }
        }, 10);
      });
    };
    wss.on('connection', onConnection);
  });
}

/** `ENGINE_BENCH=reload,ingest npm run bench -- engine` runs only those parts (resample, indicators, memory, reload, ingest). */
const only = process.env.ENGINE_BENCH?.split(',');
/** `ENGINE_TRACE=1` also writes a trace of the last reload, CPU profiles of the scroll-back and the ingest, and screenshots to bench/tmp/. */
const TRACE = !!process.env.ENGINE_TRACE;
/** Reloads timed (`ENGINE_RELOADS`, default 5): on a loaded machine the spread between reloads needs more for a stable median. */
const RELOADS = Math.max(5, Number(process.env.ENGINE_RELOADS) || 5);
const part = (name: string) => !only || only.includes(name);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mark = (page: Page, name: string) =>
  page
    .waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, { timeout: 60_000 })
    .then((h) => h.jsonValue() as Promise<number>)
    .catch(async (err: unknown) => {
      const caption = await page.getByTestId('candle-caption').textContent().catch(() => '?');
      const reason = await page.locator('.reason').textContent({ timeout: 100 }).catch(() => '');
      throw new Error(`no ${name} mark; caption: ${caption}; reason: ${reason}`, { cause: err });
    });

export async function run(): Promise<void> {
  if (!hasData()) {
    console.log('skipped: ../shared/data is absent');
    return;
  }
  await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  await build({ configFile: false, root: join(REPO_ROOT, 'bench/browser'), base: '/bench/', logLevel: 'warn', build: { outDir: join(REPO_ROOT, 'bench/tmp/page'), emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  const { url, server, wss } = await serve(yearOfCandles());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info', '--js-flags=--max-old-space-size=8192'],
  });
  const results: Record<string, unknown> = {};
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${url}/bench/`);
    await page.waitForFunction(() => document.title === 'ready');
    type B = { bench: Record<string, (n: number, reps?: number) => Promise<unknown>> };

    if (part('resample')) {
      const rs = (await page.evaluate((n) => (window as unknown as B).bench.resample!(n, 9), TRADES)) as { bars: number; aqRows: number; duckRows: number; ms: Record<string, number> };
      results.resample = rs;
      const r = rs.ms;
      console.log(`\nresample ${TRADES.toLocaleString()} trades → ${rs.bars} 1-minute bars (arquero ${rs.aqRows}, duckdb ${rs.duckRows} rows)`);
      console.table({
        'typed-array copy (3 cols)': { ms: r.copy!.toFixed(1), 'vs kernel': (r.wasm! / r.copy!).toFixed(2) + '× of copy' },
        'edgetape wasm kernel (resident columns)': { ms: r.wasm!.toFixed(1), 'vs kernel': '1' },
        'putting the 3 columns in wasm memory': { ms: r.copyIn!.toFixed(1), 'vs kernel': '(not in the kernel figure)' },
        'edgetape wasm kernel (wrapper copies in per call)': { ms: r.wasmCopying!.toFixed(1), 'vs kernel': (r.wasmCopying! / r.copy!).toFixed(2) + '× of copy' },
        'edgetape TS kernel': { ms: r.ts!.toFixed(1), 'vs kernel': (r.ts! / r.wasm!).toFixed(2) + '× slower' },
        arquero: { ms: r.arquero!.toFixed(1), 'vs kernel': (r.arquero! / r.wasm!).toFixed(1) + '× slower' },
        'duckdb-wasm (query)': { ms: r.duckdb!.toFixed(1), 'vs kernel': (r.duckdb! / r.wasm!).toFixed(1) + '× slower' },
        'duckdb-wasm (load)': { ms: r.duckdbLoad!.toFixed(1), 'vs kernel': '' },
      });

    }
    if (part('indicators')) {
      type Ind = { kernels: string; copyInMs: number; residentMatchesPlain: boolean; ms: Record<string, { kernel: number; copying: number; ts: number; ti: number }> };
      const ind = (await page.evaluate((n) => (window as unknown as B).bench.indicators!(n, 5), CANDLES)) as Ind;
      const geo = (f: (v: Ind['ms'][string]) => number) => Math.exp(Object.values(ind.ms).reduce((s, v) => s + Math.log(f(v)), 0) / Object.keys(ind.ms).length);
      console.log(`\nindicators over ${CANDLES.toLocaleString()} candles (${ind.kernels} kernels, resident columns; putting close/high/low there: ${ind.copyInMs.toFixed(1)} ms; same values as the copying interface: ${ind.residentMatchesPlain}) vs technicalindicators`);
      console.table(Object.fromEntries(Object.entries(ind.ms).map(([k, v]) => [k, { kernel: v.kernel.toFixed(1), 'kernel, copying': v.copying.toFixed(1), 'TS kernel': v.ts.toFixed(1), technicalindicators: v.ti.toFixed(0), speedup: (v.ti / v.kernel).toFixed(1) + '×', 'speedup, copying': (v.ti / v.copying).toFixed(1) + '×' }])));
      const g = geo((v) => v.ti / v.kernel);
      const gc = geo((v) => v.ti / v.copying);
      console.log(`geometric mean speedup: ${g.toFixed(1)}× (copying interface: ${gc.toFixed(1)}×)`);
      results.indicators = { ...ind, geomeanSpeedup: g, geomeanSpeedupCopying: gc };

    }
    if (part('memory')) {
      const mem = (await page.evaluate(() => (window as unknown as B).bench.memory!(1_000_000))) as { tableBytes: number; jsHeapDelta: number };
      results.memory = mem;
      console.log(`\ntrade table: ${(mem.tableBytes / 1e6).toFixed(1)} MB per million trades held (JS heap delta ${(mem.jsHeapDelta / 1e6).toFixed(1)} MB)`);
    }
    await page.close();

    if (!part('reload') && !part('ingest')) return;
    // warm reload: seed IndexedDB through the app's own schema, then time reload → first chart paint
    const ctx = await browser.newContext();
    const app = await ctx.newPage();
    app.on('pageerror', (e) => console.error('app error:', e.message));
    app.on('console', (m) => m.type() === 'error' && console.error('app console:', m.text()));
    await app.goto(`${url}/?interval=1m`);
    await app.waitForFunction(() => document.querySelector('[data-testid="candle-chart"]'));
    console.log('seeding IndexedDB with a year of 1-minute candles…');
    await app.evaluate(async () => {
      const { chunks } = (await (await fetch('/data/seed.json')).json()) as { chunks: { start: number; end: number; rows: number }[] };
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open('edgetape');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      for (let i = 0; i < chunks.length; i++) {
        const ipc = new Uint8Array(await (await fetch(`/data/seed/${i}.arrow`)).arrayBuffer());
        await new Promise<void>((ok, fail) => {
          const tx = db.transaction('candleChunks', 'readwrite');
          tx.objectStore('candleChunks').put({ series: 'binance:BTC-USDT:1m', ...chunks[i]!, ipc, usedAt: Date.now() });
          tx.oncomplete = () => ok();
          tx.onerror = () => fail(tx.error);
        });
      }
      db.close();
    });
    console.log('seeded; reloading');
    const paints: number[] = [];
    const loaded: number[] = [];
    // with ENGINE_TRACE, the 5th reload is traced and the 4th CPU-profiled (the renderer and its profiler outlive a reload)
    const rcdp = TRACE ? await ctx.newCDPSession(app) : undefined;
    for (let i = 0; i < RELOADS; i++) {
      if (TRACE && i === 4) await browser.startTracing(app, { path: join(REPO_ROOT, 'bench/tmp/reload-trace.json') });
      if (rcdp && i === 3) await rcdp.send('Profiler.enable').then(() => rcdp.send('Profiler.setSamplingInterval', { interval: 200 })).then(() => rcdp.send('Profiler.start'));
      await app.reload();
      paints.push(await mark(app, 'chart-first-paint'));
      console.log(`  first paint ${paints.at(-1)!.toFixed(0)} ms`);
      if (rcdp && i === 3) writeFileSync(join(REPO_ROOT, 'bench/tmp/reload.cpuprofile'), JSON.stringify((await rcdp.send('Profiler.stop')).profile));
      loaded.push(await mark(app, 'chart-loaded'));
      if (TRACE && i === 4) await browser.stopTracing();
    }
    const painted = Number(await app.getByTestId('candle-chart').getAttribute('data-painted'));
    // where the last reload's first paint went: the page's marks, and the data worker's on the page's clock
    const pageMarks = await app.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const marks = performance.getEntriesByType('mark').map((m) => [m.name, m.startTime] as const);
      return Object.fromEntries([['page:response-end', nav.responseEnd], ['page:dom-content-loaded', nav.domContentLoadedEventEnd], ...marks]);
    });
    const pageOrigin = await app.evaluate(() => performance.timeOrigin);
    for (const w of app.workers()) {
      const m = await w.evaluate(() => ({ origin: performance.timeOrigin, marks: performance.getEntriesByType('mark').map((e) => [e.name, e.startTime] as const) })).catch(() => null);
      for (const [name, t] of m?.marks ?? []) if (name.startsWith('data:')) pageMarks[name] = t + m!.origin - pageOrigin;
    }
    const breakdown = Object.entries(pageMarks).sort((a, b) => a[1] - b[1]);
    console.log('  last reload, ms after navigation start: ' + breakdown.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
    // pan and zoom over the bars on the chart: drag and wheel while counting animation frames; zooming out to
    // the oldest bar shown makes the chart ask the worker for older blocks, which land during the gesture
    await app.waitForTimeout(1_000);
    const box = (await app.getByTestId('candle-chart').boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 3];
    const gesture = async (fn: () => Promise<void>) => {
      // a string, not a function: tsx would wrap a named inner function in a helper the page does not have
      await app.evaluate(`window.rafs = []; window.lts = []; window.ltObs = new PerformanceObserver((l) => l.getEntries().forEach((e) => window.lts.push(e.duration))); window.ltObs.observe({ type: 'longtask' }); requestAnimationFrame(function tick(t) { window.rafs.push(t); if (window.rafs.length < 100000) requestAnimationFrame(tick); });`);
      await fn();
      await app.waitForTimeout(500);
      const { frames, lts } = await app.evaluate(() => {
        const w = window as unknown as { rafs: number[]; lts: number[]; ltObs: PerformanceObserver };
        w.ltObs.disconnect();
        return { frames: w.rafs.splice(0), lts: w.lts };
      });
      const gaps = frames.slice(1).map((t, i) => t - frames[i]!).sort((a, b) => a - b);
      const bars = Number(await app.getByTestId('candle-chart').getAttribute('data-painted'));
      const daysBack = (Date.now() - Number(await app.getByTestId('candle-chart').getAttribute('data-window-start'))) / 86_400_000;
      return { bars, daysBack, frames: frames.length, seconds: (frames.at(-1)! - frames[0]!) / 1000, medianFrameMs: gaps[gaps.length >> 1]!, p95FrameMs: gaps[Math.floor(gaps.length * 0.95)]!, maxFrameMs: gaps.at(-1)!, longTasks: lts.length, maxLongTaskMs: Math.max(0, ...lts) };
    };
    await app.mouse.move(cx, cy);
    if (TRACE) await app.screenshot({ path: join(REPO_ROOT, 'bench/tmp/reloaded.png') });
    const pan = await gesture(async () => {
      for (let k = 0; k < 6; k++) await app.mouse.wheel(0, 400);
      await app.mouse.down();
      for (let k = 0; k < 60; k++) await app.mouse.move(cx + ((k % 20) - 10) * 30, cy);
      await app.mouse.up();
      for (let k = 0; k < 6; k++) await app.mouse.wheel(0, -400);
    });
    console.log(`pan/zoom from ${painted.toLocaleString()} bars on the chart (${pan.bars.toLocaleString()} after): ${pan.frames} frames in ${pan.seconds.toFixed(1)} s, frame time median ${pan.medianFrameMs.toFixed(1)} ms, p95 ${pan.p95FrameMs.toFixed(1)} ms, max ${pan.maxFrameMs.toFixed(0)} ms; ${pan.longTasks} long tasks, longest ${pan.maxLongTaskMs.toFixed(0)} ms`);
    // scroll back through the year: zoomed out, drag towards older bars (the chart holds a window of at most 20,000
    // bars and moves it) for 60 drags or until the window starts at the oldest cached bar; then 20 drags forward
    const cdp = TRACE ? await ctx.newCDPSession(app) : undefined;
    if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    const back = await gesture(async () => {
      for (let k = 0; k < 80; k++) await app.mouse.wheel(0, 400); // to the narrowest bar spacing
      const oldest = Date.now() - (YEAR + 60) * 60_000;
      for (let k = 0; k < 60 && Number(await app.getByTestId('candle-chart').getAttribute('data-window-start')) > oldest; k++) {
        await app.mouse.move(box.x + 40, cy);
        await app.mouse.down();
        await app.mouse.move(box.x + box.width - 40, cy, { steps: 5 });
        await app.mouse.up();
      }
    });
    if (cdp) writeFileSync(join(REPO_ROOT, 'bench/tmp/scroll-back.cpuprofile'), JSON.stringify((await cdp.send('Profiler.stop')).profile));
    if (TRACE) await app.screenshot({ path: join(REPO_ROOT, 'bench/tmp/scrolled-back.png') });
    const forward = await gesture(async () => {
      for (let k = 0; k < 20; k++) {
        await app.mouse.move(box.x + box.width - 40, cy);
        await app.mouse.down();
        await app.mouse.move(box.x + 40, cy, { steps: 5 });
        await app.mouse.up();
      }
    });
    if (TRACE) await app.screenshot({ path: join(REPO_ROOT, 'bench/tmp/scrolled-forward.png') });
    console.log(`scroll forward again, 20 drags: window from ${forward.daysBack.toFixed(1)} days back, ${forward.bars.toLocaleString()} bars held; ${forward.longTasks} long tasks, longest ${forward.maxLongTaskMs.toFixed(0)} ms`);
    console.log(`scroll back: the window reached ${back.daysBack.toFixed(1)} days back, ${back.bars.toLocaleString()} bars held at the end; ${back.frames} frames in ${back.seconds.toFixed(1)} s, frame time median ${back.medianFrameMs.toFixed(1)} ms, p95 ${back.p95FrameMs.toFixed(1)} ms, max ${back.maxFrameMs.toFixed(0)} ms; ${back.longTasks} long tasks, longest ${back.maxLongTaskMs.toFixed(0)} ms`);
    results.warmReload = { rows: painted, firstPaintMs: paints, fullViewMs: loaded, lastReloadMarks: Object.fromEntries(breakdown), pan, scrollBack: back, scrollForward: forward };
    console.log(`\nwarm reload of a year of 1-minute candles (${YEAR.toLocaleString()}) cached in IndexedDB: first chart paint ${median(paints).toFixed(0)} ms after navigation start (runs ${paints.map((p) => p.toFixed(0)).join(', ')}), full view (${painted.toLocaleString()} newest bars) on the chart ${median(loaded).toFixed(0)} ms`);

    // main thread while the worker ingests 5,000 msg/s
    await app.addInitScript(() => {
      const w = window as unknown as { longtasks: number[]; since: number };
      w.longtasks = [];
      w.since = Infinity;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => e.startTime >= w.since && w.longtasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    // the stream starts when the reloaded app connects and runs 20 s; tasks are counted from when the full view is
    // on the chart (+1 s) to the end of the stream
    const sent = stream(wss, 5_000, 20);
    await app.reload();
    await mark(app, 'chart-loaded');
    await app.waitForTimeout(1_000);
    const since = await app.evaluate(() => ((window as unknown as { since: number }).since = performance.now()));
    const icdp = TRACE ? await ctx.newCDPSession(app) : undefined;
    if (icdp) await icdp.send('Profiler.enable').then(() => icdp.send('Profiler.start'));
    await app.waitForTimeout(4_000);
    const tps = Number((await app.getByTestId('tps').textContent())?.replace(/,/g, ''));
    const n = await sent;
    const seconds = (await app.evaluate(() => performance.now())) - since;
    if (icdp) writeFileSync(join(REPO_ROOT, 'bench/tmp/ingest.cpuprofile'), JSON.stringify((await icdp.send('Profiler.stop')).profile));
    await app.waitForTimeout(1_000);
    const lt = await app.evaluate(() => (window as unknown as { longtasks: number[] }).longtasks);
    results.ingest = { messages: n, rate: 5_000, measuredSeconds: seconds / 1000, tradesPerSecondShown: tps, longTasks: lt.length, maxLongTaskMs: lt.length ? Math.max(...lt) : 0 };
    console.log(`\ningest ${n.toLocaleString()} trade messages at 5,000/s into the worker (1 m chart with indicators live; the app showed ${tps} trades/s): over the last ${(seconds / 1000).toFixed(1)} s, ${lt.length} long tasks on the main thread, longest ${lt.length ? Math.max(...lt).toFixed(0) : 0} ms`);
    await ctx.close();
  } finally {
    await browser.close();
    wss.close();
    server.close();
    // a partial run keeps the other parts' last figures
    const file = join(REPO_ROOT, 'bench/results/engine.json');
    const previous = only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { results: object }).results : {};
    console.log(`\nresults: ${writeResults('engine', { ...previous, ...results })}`);
  }
}
