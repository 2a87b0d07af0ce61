import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlertBook, initialState, step, type Alert, type AlertState, type Tick } from '../shared/risk/alerts';
import { parseFillsCsv } from '../shared/risk/fills';
import { buildPositions } from '../shared/risk/positions';
import { readRecording } from '../tools/fake-exchange/recording';
import { DATA_DIR, REPO_ROOT } from '../tools/paths';
import { deliveryLatency } from './alert-delivery';
import { writeResults } from './results';

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/**
 * Alert evaluation per tick with 10,000 armed alerts on one instrument, on the real Binance spot trade
 * prices: the level-indexed AlertBook against scanning every alert with the same state machine.
 * Plus fills parsed and folded into FIFO positions per second.
 */
export async function run(): Promise<void> {
  // BENCH_ALERTS=delivery reruns only the wrangler dev part and keeps the in-process figures of the last full run.
  const onlyDelivery = process.env.BENCH_ALERTS === 'delivery';
  const inProcess = onlyDelivery ? (JSON.parse(readFileSync(join(REPO_ROOT, 'bench/results/alerts.json'), 'utf8')) as { results: Record<string, unknown> }).results : await evaluation();
  delete inProcess.delivery;
  // Firing → client over the notification socket, in wrangler dev, steady and with the socket dropped every 5 s.
  const d = await deliveryLatency({ users: Number(process.env.BENCH_ALERT_USERS ?? 10), phaseMs: 60_000, dropEveryMs: 5_000, speed: 5 });
  console.log(`\nfiring → client receive over /ws/user/alerts (wrangler dev, ${d.users} users × 5 cross alerts, replay at ${d.speed}×)`);
  console.log('| socket | firings seen | p50 ms | p99 ms | max ms | delivered on reconnect (p50 / p99 ms) | redelivered frames (deduplicated) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, r] of [['steady', d.steady], [`dropped every ${d.dropEveryMs / 1000} s`, d.faults]] as const) {
    console.log(`| ${name} | ${r.firings} | ${r.live.p50ms} | ${r.live.p99ms} | ${r.live.maxMs} | ${r.onReconnect.n} (${r.onReconnect.p50ms} / ${r.onReconnect.p99ms}) | ${r.redeliveredFrames} |`);
  }
  console.log(`p99 ratio dropped / steady: ${(d.faults.live.p99ms / d.steady.live.p99ms).toFixed(2)}×`);
  console.log(`committed by the desks ${d.committed}, stored in inboxes ${d.inbox}, never seen by a client ${d.unseenByClients}`);
  writeResults('alerts', { ...inProcess, delivery: d });
}

/** The in-process part: evaluation per tick, index against scan, and fills imported per second. */
async function evaluation(): Promise<Record<string, unknown>> {
  const prices = readRecording(join(DATA_DIR, 'hftbacktest/spot/btcusdt_20240808.gz'))
    .filter((r) => r.frame.includes('@trade'))
    .map((r) => Number((JSON.parse(r.frame) as { data: { p: string } }).data.p));
  const lo = Math.min(...prices);
  const hi = Math.max(...prices);
  const ticks: Tick[] = prices.map((price, i) => ({ seq: i + 1, ts: i, price }));
  // 10,000 alerts spread over the recording's range, half above and half below, 0.05 % hysteresis
  const alerts: Alert[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `a${i}`, symbol: 'BTC-USDT', hysteresis: 0.0005,
    rule: { kind: 'cross', direction: i % 2 ? 'above' : 'below', level: lo + ((hi - lo) * i) / 10_000 },
  }));

  const timeEach = (apply: (t: Tick) => number) => {
    const times: number[] = [];
    let fired = 0;
    for (const t of ticks) {
      const t0 = performance.now();
      fired += apply(t);
      times.push((performance.now() - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    return { p50us: pct(times, 0.5), p99us: pct(times, 0.99), p999us: pct(times, 0.999), maxUs: times.at(-1)!, fired };
  };

  const book = new AlertBook();
  for (const a of alerts) book.add(a);
  const indexed = timeEach((t) => book.apply(t).length);

  const states: AlertState[] = alerts.map(() => initialState());
  const scan = timeEach((t) => {
    let n = 0;
    for (let i = 0; i < alerts.length; i++) {
      const r = step(alerts[i]!, states[i]!, t);
      states[i] = r.state;
      if (r.firing) n++;
    }
    return n;
  });

  const rows = ['timestamp,exchange,symbol,side,price,amount,fee,id'];
  for (let i = 0; i < 100_000; i++) rows.push(`${1_723_161_255_000 + i},binance,BTC-USDT,${i % 3 ? 'buy' : 'sell'},${prices[i % prices.length]},0.01,0.01,f${i}`);
  const csv = rows.join('\n');
  const t0 = performance.now();
  const parsed = parseFillsCsv(csv);
  if (!parsed.ok) throw new Error('bench CSV did not parse');
  const positions = buildPositions(parsed.fills, 'fifo');
  const importMs = performance.now() - t0;

  console.log(`${ticks.length} real trade ticks, 10,000 cross alerts (${indexed.fired} firings; scan: ${scan.fired})`);
  console.log('| evaluator | p50 µs | p99 µs | p99.9 µs | max µs |');
  console.log('|---|---|---|---|---|');
  for (const [name, r] of [['level index (AlertBook)', indexed], ['scan all alerts', scan]] as const) {
    console.log(`| ${name} | ${r.p50us.toFixed(1)} | ${r.p99us.toFixed(1)} | ${r.p999us.toFixed(1)} | ${r.maxUs.toFixed(1)} |`);
  }
  console.log(`p99 ratio scan / index: ${(scan.p99us / indexed.p99us).toFixed(1)}×`);
  console.log(`fills CSV → FIFO positions: ${(100_000 / (importMs / 1000)).toFixed(0)} fills/s (${positions.length} position)`);
  return { ticks: ticks.length, alerts: 10_000, indexed, scan, fillsPerSecond: 100_000 / (importMs / 1000) };
}
