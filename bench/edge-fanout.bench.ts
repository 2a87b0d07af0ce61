import { execSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { InstrumentState } from '../shared/market/instrument';
import { encodeServerMsg } from '../shared/protocol/codec';
import type { TradesMsg } from '../shared/protocol/messages';
import { readRecording } from '../tools/fake-exchange/recording';
import { DEFAULT_RECORDING } from '../tools/fake-exchange/main';
import { DATA_DIR, hasData } from '../tools/paths';
import { startStack, type Stack } from '../tools/stack';
import { realEvents, SPOT, USDM } from '../tools/real-events';
import { join } from 'node:path';
import { writeResults } from './results';

const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes on the wire: the exchange's raw JSON frame vs our binary (and JSON) frame carrying the same update. */
function bytesOnWire() {
  const out: Record<string, unknown> = {};
  for (const [file, venue] of [[SPOT, 'binance'], [USDM, 'binance-usdm']] as const) {
    const raw = readRecording(join(DATA_DIR, file));
    const events = realEvents(file, 20_000, venue, 'BTC-USDT');
    const state = new InstrumentState('BTC-USDT');
    state.apply([events[0]!]);
    // One update per exchange frame, so each encoded frame carries exactly one raw frame's information.
    let rawBook = 0, binBook = 0, jsonBook = 0, nBook = 0, rawTrade = 0, binTrade = 0, jsonTrade = 0, nTrade = 0;
    const rawDepth = raw.filter((r) => r.frame.includes('@depth')).slice(0, 20_000);
    const rawTrades = raw.filter((r) => r.frame.includes('@trade')).slice(0, 20_000);
    const depthBytes = new Map(rawDepth.map((r) => [(JSON.parse(r.frame) as { data: { u: number } }).data.u, Buffer.byteLength(r.frame)]));
    const tradeBytes = new Map(rawTrades.map((r) => [String((JSON.parse(r.frame) as { data: { t: number } }).data.t), Buffer.byteLength(r.frame)]));
    for (const e of events.slice(1)) {
      const msgs = state.apply([e]).msgs;
      if (e.type === 'book' && depthBytes.has(e.seq!)) {
        const m = msgs.find((x) => x.t === 'book' && x.stream === `book:BTC-USDT:${venue}`);
        if (!m) continue;
        rawBook += depthBytes.get(e.seq!)!;
        binBook += (encodeServerMsg(m, 'bin') as Uint8Array).byteLength;
        jsonBook += Buffer.byteLength(encodeServerMsg(m, 'json') as string);
        nBook++;
      } else if (e.type === 'trade' && tradeBytes.has(e.id)) {
        const m = msgs.find((x): x is TradesMsg => x.t === 'trades' && x.stream === `trades:BTC-USDT:${venue}`)!;
        rawTrade += tradeBytes.get(e.id)!;
        binTrade += (encodeServerMsg(m, 'bin') as Uint8Array).byteLength;
        jsonTrade += Buffer.byteLength(encodeServerMsg(m, 'json') as string);
        nTrade++;
      }
    }
    out[file] = {
      bookUpdates: nBook, rawBytesPerBook: r2(rawBook / nBook), binBytesPerBook: r2(binBook / nBook), jsonBytesPerBook: r2(jsonBook / nBook),
      bookBinPctOfRaw: r2((100 * binBook) / rawBook),
      trades: nTrade, rawBytesPerTrade: r2(rawTrade / nTrade), binBytesPerTrade: r2(binTrade / nTrade), jsonBytesPerTrade: r2(jsonTrade / nTrade),
      tradeBinPctOfRaw: r2((100 * binTrade) / rawTrade),
    };
  }
  return out;
}

interface Client { ws: WebSocket; lat: number[]; trades: number; ids: Set<string>; gaps: number; closedWith?: number }

/** A client that records receive latency for each trade against the tap's receive time of the same trade. */
function client(url: string, protocols: string[] | undefined, tap: Map<string, number>, subscribe: boolean): Promise<Client> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(url, protocols);
    const c: Client = { ws, lat: [], trades: 0, ids: new Set(), gaps: 0 };
    ws.on('open', () => {
      if (subscribe) ws.send(JSON.stringify({ t: 'subscribe', streams: ['trades:BTC-USDT:binance'] }));
      ok(c);
    });
    ws.on('error', fail);
    let rx = 0;
    ws.on('message', (data: Buffer) => {
      const now = performance.now();
      rx += data.length;
      const m = JSON.parse(data.toString()) as { t: string; trades?: { id: string }[] };
      if (m.t === 'gap') c.gaps++;
      if (m.t !== 'trades') return;
      for (const t of m.trades!) {
        c.trades++;
        c.ids.add(t.id);
        const sent = tap.get(t.id);
        if (sent !== undefined) c.lat.push(now - sent);
      }
    });
    // Acknowledge what was read once a second, whatever arrived, as the browser's data worker does
    // (a client that only acked on data would never be let out of a conflating outbox).
    if (subscribe) {
      const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ t: 'ping', ts: 0, rx })), 1_000);
      ws.on('close', (code) => {
        clearInterval(timer);
        c.closedWith = code;
      });
    }
  });
}

/** The peer: a plain Node `ws` relay reading the same venue stream and fanning out the same JSON to its clients. */
async function plainRelay(fakeUrl: string) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const up = new WebSocket(`${fakeUrl.replace('http', 'ws')}/stream?streams=btcusdt@trade/btcusdt@bookTicker`);
  let seq = 0;
  up.on('message', (data: Buffer) => {
    const d = (JSON.parse(data.toString()) as { data: Record<string, unknown> }).data;
    if (d.e !== 'trade') return;
    const msg = JSON.stringify({
      t: 'trades', stream: 'trades:BTC-USDT:binance', seq: ++seq,
      trades: [{ id: String(d.t), ts: d.T, price: +(d.p as string), amount: +(d.q as string), side: d.m ? 'sell' : 'buy', venue: 'binance' }],
    });
    for (const c of wss.clients) c.send(msg);
  });
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => { up.close(); wss.close(); http.close(); } };
}

function tapOn(fakeUrl: string, tap: Map<string, number>) {
  const ws = new WebSocket(`${fakeUrl.replace('http', 'ws')}/stream?streams=btcusdt@trade`);
  let n = 0;
  ws.on('message', (data: Buffer) => {
    const d = (JSON.parse(data.toString()) as { data: { t: number } }).data;
    tap.set(String(d.t), performance.now());
    n++;
  });
  return { ws, count: () => n };
}

/** workerd processes now running (other projects' too); the stack's own are the ones that appear after it starts. */
const workerdPids = (): Set<string> => {
  try {
    return new Set(execSync('ps -C workerd -o pid=').toString().split('\n').map((s) => s.trim()).filter(Boolean));
  } catch {
    return new Set();
  }
};
const rssOf = (pids: Set<string>): number => {
  if (!pids.size) return NaN;
  const out = execSync(`ps -o rss= -p ${[...pids].join(',')}`).toString();
  return out.split('\n').map(Number).filter(Number.isFinite).reduce((a, b) => a + b, 0) * 1024;
};

async function connectMany(n: number, url: string, protocols: string[] | undefined, tap: Map<string, number>, subscribe: boolean): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i += 100) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => client(url, protocols, tap, subscribe)))));
  }
  return out;
}

const summary = (cs: Client[]) => {
  const lat = cs.flatMap((c) => c.lat);
  return { clients: cs.length, samples: lat.length, p50: r2(pct(lat, 50)), p99: r2(pct(lat, 99)), p999: r2(pct(lat, 99.9)) };
};

export async function run(): Promise<void> {
  if (!hasData()) {
    console.log(`skipped: ${DATA_DIR} is absent`);
    return;
  }
  // BENCH_PHASES=bytes,latency,throughput,fanout picks phases (all by default); results are written after each.
  const phases = new Set((process.env.BENCH_PHASES ?? 'bytes,latency,throughput,fanout').split(','));
  const results: Record<string, unknown> = {};
  const save = () => writeResults(`edge-fanout${process.env.BENCH_PHASES ? `-${[...phases].join('-')}` : ''}`, results);
  if (phases.has('bytes')) {
    results.bytes = bytesOnWire();
    console.log('bytes on the wire', results.bytes);
    save();
  }
  if (!['latency', 'throughput', 'fanout'].some((p) => phases.has(p))) return;

  const speed = Number(process.env.BENCH_SPEED ?? 5);
  const others = workerdPids();
  const stack: Stack = await startStack({
    replay: DEFAULT_RECORDING, speed, loop: true, port: 0, log: () => {},
    vars: { RELAY_MAX_CLIENTS: '1000', RELAY_SHARDS: '1' },
  });
  const wsUrl = `${stack.url.replace('http', 'ws')}/ws`;
  const ours = new Set([...workerdPids()].filter((p) => !others.has(p)));
  const workerdRss = () => rssOf(ours);
  const tap = new Map<string, number>();
  const t = tapOn(stack.fakeUrl!, tap);
  const plain = await plainRelay(stack.fakeUrl!);
  try {
    // 1. Latency: the same number of clients on each path, same upstream, same run.
    const perPeer = Number(process.env.BENCH_LATENCY_CLIENTS ?? 100);
    const edge = await connectMany(perPeer, wsUrl, ['edgetape.v1.json'], tap, true);
    if (phases.has('latency')) {
      const node = await connectMany(perPeer, plain.url, undefined, tap, false);
      await sleep(3_000);
      for (const c of [...edge, ...node]) c.lat.length = 0;
      await sleep(20_000);
      results.latency = { speed, edge: summary(edge), plainNodeRelay: summary(node) };
      const L = results.latency as { edge: { p99: number }; plainNodeRelay: { p99: number } };
      console.log('tick → client latency (ms)', results.latency, `p99 ratio edge/plain = ${r2(L.edge.p99 / L.plainNodeRelay.p99)}`);
      for (const c of node) c.ws.close();
      save();
    }
    if (!phases.has('throughput') && !phases.has('fanout')) return;

    // 2. Throughput with 1,000 subscribed clients: events/s into the hub vs trades delivered/s.
    const more = await connectMany(1000 - edge.length, wsUrl, ['edgetape.v1.json'], tap, true);
    const all = [...edge, ...more];
    await sleep(3_000);
    const d0 = all.reduce((a, c) => a + c.trades, 0);
    const f0 = (await (await fetch(`${stack.fakeUrl}/__fake/status`)).json()) as { position: number; loops: number };
    const tap0 = t.count();
    const w0 = performance.now();
    await sleep(15_000);
    const secs = (performance.now() - w0) / 1000;
    const f1 = (await (await fetch(`${stack.fakeUrl}/__fake/status`)).json()) as { position: number; loops: number; total: number };
    const delivered = all.reduce((a, c) => a + c.trades, 0) - d0;
    const frames = f1.position - f0.position + (f1.loops - f0.loops) * f1.total;
    results.throughput = {
      clients: all.length, venueFramesPerSec: r2(frames / secs), tradesPerSec: r2((t.count() - tap0) / secs),
      deliveredTradesPerSec: r2(delivered / secs), expectedDeliveredPerSec: r2(((t.count() - tap0) * all.length) / secs),
      latencyUnderLoad: summary(all),
    };
    console.log('throughput', results.throughput);
    save();
    if (!phases.has('fanout')) return;

    // 3. Fan-out: 5,000 clients across relays of ≤ 1,000; every trade in a window delivered to every client.
    const rss0 = workerdRss();
    const rest = await connectMany(4000, wsUrl, ['edgetape.v1.json'], tap, true);
    const fan = [...all, ...rest];
    await sleep(5_000);
    for (const c of fan) c.ids.clear();
    const before = new Set(tap.keys());
    await sleep(10_000);
    const window = [...tap.keys()].filter((id) => !before.has(id));
    const rss1 = workerdRss();
    // Late is not lost: wait (bounded) for clients to catch up, and report how far behind they were.
    const missingNow = () => fan.reduce((a, c) => a + window.filter((id) => !c.ids.has(id)).length, 0);
    const caughtUp = performance.now();
    let missing = missingNow();
    const missingAtWindowEnd = missing;
    for (let i = 0; i < 30 && missing > 0; i++) {
      await sleep(2_000);
      missing = missingNow();
    }
    results.fanout = {
      clients: fan.length, tradesInWindow: window.length, missingAtWindowEnd, missingAfterCatchUp: missing,
      catchUpSeconds: r2((performance.now() - caughtUp) / 1000), gapFrames: fan.reduce((a, c) => a + c.gaps, 0),
      socketsOpen: fan.filter((c) => c.ws.readyState === WebSocket.OPEN).length,
      closeCodes: Object.fromEntries([...new Set(fan.map((c) => c.closedWith).filter((x) => x !== undefined))].map((k) => [k, fan.filter((c) => c.closedWith === k).length])),
      workerdRssMB: r2(rss1 / 2 ** 20), bytesPerClient: Math.round((rss1 - rss0) / rest.length), latency: summary(fan),
    };
    console.log('fan-out', results.fanout);
    save();
    for (const c of fan) c.ws.close();
  } finally {
    t.ws.close();
    plain.close();
    await stack.stop();
  }
  console.log(`wrote ${save()}`);
}
