import { execSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { InstrumentState } from '../shared/market/instrument';
import { encodeServerMsg } from '../shared/protocol/codec';
import type { MarketEvent } from '../shared/market/types';
import { ACK, ackDue, BANDWIDTH, type Bandwidth, type StreamRate, type TradesMsg } from '../shared/protocol/messages';
import type { HopSample } from '../worker/objects/hops';
import { readRecording } from '../tools/fake-exchange/recording';
import { DEFAULT_RECORDING } from '../tools/fake-exchange/main';
import { DATA_DIR, hasData } from '../tools/paths';
import { startStack, type Stack } from '../tools/stack';
import { realEvents, SPOT, USDM } from '../tools/real-events';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

/** Node's wall clock with sub-millisecond resolution, comparable to workerd's Date.now(). */
const wall = () => performance.timeOrigin + performance.now();

interface Client {
  ws: WebSocket; lat: number[]; trades: number; ids: Set<string>; gaps: number; closedWith?: number;
  /** Trade ids announced missing by upstream gap markers (`after` + 1 … `after` + `missed`). */
  announced: Set<string>;
  msgs: number; conflated: number; snapshots: number;
  /** The relay that accepted the socket (from its hello). */
  relay?: string;
  /** `stream#seq` → wall-clock receive time, for joining with the relays' hop traces. */
  rxAt?: Map<string, number>;
}

interface ClientOpts {
  streams?: string[];
  /** Asked for with the subscribe, as the app's bandwidth setting does. */
  rate?: StreamRate;
  /** Parse only the frame's head (type, `from`): what a client that keeps up with 1,000s of messages/s can afford here. */
  light?: boolean;
  /** Record each message's receive time by stream and seq. */
  trace?: boolean;
}

/** Why gap frames came (numbers elided), across light clients. */
const gapReasons = new Set<string>();

/** A client that records receive latency for each trade against the tap's receive time of the same trade. */
function client(url: string, protocols: string[] | undefined, tap: Map<string, number>, o: ClientOpts): Promise<Client> {
  return new Promise((ok, fail) => {
    // No permessage-deflate offer: the edge answers without it (Relay.fetch; locally wrangler's own entry
    // layer would negotiate it regardless of the Worker's answer), and the plain relay has it off.
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    const c: Client = { ws, lat: [], trades: 0, ids: new Set(), gaps: 0, announced: new Set(), msgs: 0, conflated: 0, snapshots: 0, rxAt: o.trace ? new Map() : undefined };
    const timeout = setTimeout(() => {
      ws.terminate();
      fail(new Error('connect timed out'));
    }, CONNECT_TIMEOUT_MS);
    ws.on('open', () => {
      clearTimeout(timeout);
      if (o.streams) ws.send(JSON.stringify({ t: 'subscribe', streams: o.streams, ...(o.rate ? { rate: o.rate } : {}) }));
      ok(c);
    });
    ws.on('error', (err) => {
      clearTimeout(timeout);
      fail(err);
    });
    let rx = 0;
    ws.on('message', (data: Buffer) => {
      const now = performance.now();
      rx += data.length;
      c.msgs++;
      if (o.light) {
        // Binary book and trades frames: tag, stream hash (4 bytes), seq and span varints (span > 0 = merged).
        if (data[0] === 1 || data[0] === 2) {
          let at = 5;
          while (data[at++]! & 0x80);
          if (data[at] !== 0) c.conflated++;
          return;
        }
        // JSON (or binary-tagged JSON): long enough to reach `from` after the longest stream name; a snapshot
        // after the first per stream is a slow client's backlog caught up as the book's current state.
        const head = data.toString('latin1', data[0] === 0 ? 1 : 0, 97);
        if (head.startsWith('{"t":"gap"')) {
          c.gaps++;
          gapReasons.add((JSON.parse(data.toString('utf8', data[0] === 0 ? 1 : 0)) as { reason: string }).reason.replace(/\d+/g, 'N'));
        } else if (head.startsWith('{"t":"snapshot"')) c.snapshots++;
        else if (head.includes('"from":')) c.conflated++;
        return;
      }
      const m = JSON.parse(data.toString()) as { t: string; stream?: string; seq?: number; relay?: string; trades?: { id: string }[]; upstream?: { after: string; missed?: number } };
      if (m.t === 'hello') c.relay = m.relay;
      if (m.t === 'gap') {
        c.gaps++;
        const u = m.upstream;
        if (u?.missed) for (let i = 1; i <= u.missed; i++) c.announced.add(String(BigInt(u.after) + BigInt(i)));
      }
      if (m.t !== 'trades') return;
      c.rxAt?.set(`${m.stream}#${m.seq}`, wall());
      for (const t of m.trades!) {
        c.trades++;
        c.ids.add(t.id);
        const sent = tap.get(t.id);
        if (sent !== undefined) c.lat.push(now - sent);
      }
    });
    // Acknowledge what was read as the browser's data worker does (shared/protocol `ACK`), on a timer whatever
    // arrived (a client that only acked on data would never be let out of a conflating outbox); or, with
    // BENCH_ACK_MS, on a fixed period.
    if (o.streams) {
      let ackedRx = 0;
      let ackedAt = Date.now();
      const timer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN || (ACK_MS === undefined && !ackDue(rx - ackedRx, Date.now() - ackedAt))) return;
        ackedRx = rx;
        ackedAt = Date.now();
        ws.send(JSON.stringify({ t: 'ping', ts: 0, rx }));
      }, ACK_MS ?? ACK.tickMs);
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

/** Receive time (Node wall clock and performance.now) of each trade at a client of the fake exchange. */
function tapOn(fakeUrl: string, tap: Map<string, number>, tapWall: Map<string, number>) {
  const ws = new WebSocket(`${fakeUrl.replace('http', 'ws')}/stream?streams=btcusdt@trade`);
  let n = 0;
  ws.on('message', (data: Buffer) => {
    const d = (JSON.parse(data.toString()) as { data: { t: number } }).data;
    tap.set(String(d.t), performance.now());
    tapWall.set(String(d.t), wall());
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

/** CPU seconds (user + system) the given processes have used so far; a process that is gone counts 0. */
const cpuSecondsOf = (pids: Set<string>): number => {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / 100; // USER_HZ
};

const CONNECT_TIMEOUT_MS = 60_000;
/** BENCH_ACK_MS: acknowledge on this fixed period instead of the browser's rule (the protocol allows 1–5 s). */
const ACK_MS = process.env.BENCH_ACK_MS ? Number(process.env.BENCH_ACK_MS) : undefined;

/** `n` clients, 100 connecting at a time; those that fail or time out are counted, not waited for. */
/**
 * wrangler dev puts its own proxy workerd processes in front of the Worker; deployed, clients reach the
 * edge without them. The Worker's entry socket is the first one (lowest fd) the stack's workerd with the
 * most listening sockets opened; its others speak Cap'n Proto, and an HTTP probe would break them.
 */
async function workerdEntry(ours: Set<string>): Promise<string | undefined> {
  const byPid = new Map<string, { port: string; fd: number }[]>();
  for (const m of execSync('ss -ltnpH').toString().matchAll(/127\.0\.0\.1:(\d+)\s.*?pid=(\d+),fd=(\d+)/g)) {
    if (ours.has(m[2]!)) byPid.set(m[2]!, [...(byPid.get(m[2]!) ?? []), { port: m[1]!, fd: Number(m[3]) }]);
  }
  const sockets = [...byPid.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const entry = sockets.sort((a, b) => a.fd - b.fd)[0];
  if (!entry || sockets.length < 2) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${entry.port}/api/v1/instruments`, { signal: AbortSignal.timeout(30_000) });
    return res.ok ? `http://127.0.0.1:${entry.port}` : undefined;
  } catch {
    return undefined;
  }
}

async function connectMany(n: number, url: string, protocols: string[] | undefined, tap: Map<string, number>, o: ClientOpts): Promise<Client[] & { failed?: number }> {
  const out: Client[] & { failed?: number } = [];
  out.failed = 0;
  for (let i = 0; i < n; i += 100) {
    for (const r of await Promise.allSettled(Array.from({ length: Math.min(100, n - i) }, () => client(url, protocols, tap, o)))) {
      if (r.status === 'fulfilled') out.push(r.value);
      else if (out.failed++ === 0) console.warn(`connect failed: ${String(r.reason)}`);
    }
  }
  return out;
}

const summary = (cs: Client[]) => {
  const lat = cs.flatMap((c) => c.lat);
  return {
    clients: cs.length, samples: lat.length, p50: r2(pct(lat, 50)), p99: r2(pct(lat, 99)), p999: r2(pct(lat, 99.9)),
    msgs: cs.reduce((a, c) => a + c.msgs, 0), closed: cs.filter((c) => c.closedWith !== undefined).length,
  };
};
const dist = (xs: number[]) => ({ n: xs.length, p50: r2(pct(xs, 50)), p99: r2(pct(xs, 99)), max: r2(xs.reduce((a, b) => Math.max(a, b), -Infinity)) });

/**
 * Per hop, from the relays' traces joined with the clients' receive times (ms, wall clock). workerd's
 * marks are whole milliseconds taken at I/O boundaries; each "hop" runs from one object's entry to the
 * next one's, so it holds that object's CPU, its queueing and the RPC (and the hub's output gate).
 */
function hops(samples: HopSample[], clients: Client[], tapWall: Map<string, number>, tradeIds: Map<string, string[]>) {
  const rx = new Map<string, number[]>();
  for (const c of clients) for (const [k, t] of c.rxAt!) (rx.get(k) ?? rx.set(k, []).get(k)!).push(t);
  const part: Record<string, number[]> = {
    'fake→feed (tap vs feed receive)': [], 'feed: receive→hub call': [], 'feed→hub RPC': [], 'hub: ingest (state + SQLite)': [],
    'hub: commit→relay call': [], 'hub→relay RPC (+ output gate)': [], 'relay: publish loop': [], 'relay→client (send, kernel, client loop)': [],
  };
  const hop: Record<string, number[]> = { 'feed hop (receive → hub entry)': [], 'hub hop (entry → relay entry)': [], 'relay hop (entry → client receive)': [] };
  for (const s of samples) {
    const key = `${s.stream}#${s.seq}`;
    const got = rx.get(key);
    if (!got || s.hubIn === undefined || s.hubCommit === undefined || s.hubSend === undefined || s.relayIn === undefined || s.relaySent === undefined) continue;
    const sent = Math.min(...(tradeIds.get(key) ?? []).map((id) => tapWall.get(id) ?? Infinity));
    if (Number.isFinite(sent)) part['fake→feed (tap vs feed receive)']!.push(s.recv - sent);
    part['feed: receive→hub call']!.push(s.feedSend - s.recv);
    part['feed→hub RPC']!.push(s.hubIn - s.feedSend);
    part['hub: ingest (state + SQLite)']!.push(s.hubCommit - s.hubIn);
    part['hub: commit→relay call']!.push(s.hubSend - s.hubCommit);
    part['hub→relay RPC (+ output gate)']!.push(s.relayIn - s.hubSend);
    part['relay: publish loop']!.push(s.relaySent - s.relayIn);
    hop['feed hop (receive → hub entry)']!.push(s.hubIn - s.recv);
    hop['hub hop (entry → relay entry)']!.push(s.relayIn - s.hubIn);
    for (const t of got) {
      part['relay→client (send, kernel, client loop)']!.push(t - s.relaySent);
      hop['relay hop (entry → client receive)']!.push(t - s.relayIn);
    }
  }
  const stats = (o: Record<string, number[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, dist(v)]));
  return { batches: samples.length, hops: stats(hop), parts: stats(part) };
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url, { signal: AbortSignal.timeout(60_000) })).json()) as T;

/**
 * Endless real events for a hub no replay feeds: the recording's normalized events relabelled to `symbol`,
 * replayed with timestamps (and trade ids) moved on by the recording's span each pass so candles advance.
 */
function syntheticSource(symbol: string) {
  const base = realEvents(SPOT, 20_000, 'binance', symbol);
  const span = base.at(-1)!.ts - base[0]!.ts + 1;
  let pass = 0;
  let i = 0;
  return (n: number): MarketEvent[] => {
    const out: MarketEvent[] = [];
    while (out.length < n) {
      if (i === base.length) [pass, i] = [pass + 1, 1]; // later passes skip the opening snapshot
      const e = base[i++]!;
      const ts = e.ts + pass * span;
      out.push(e.type === 'trade' ? { ...e, ts, recvTs: ts, id: `${e.id}.${pass}` } : ({ ...e, ts, recvTs: ts } as MarketEvent));
    }
    return out;
  };
}

/**
 * Throughput: batches of real events (what a feed sends per 20 ms window at the target rate) POSTed into one hub's ingest RPC (through /api/bench) at each
 * target rate for `seconds`, with `inflight` batches at most outstanding (a feed has one); 1,000 clients (BENCH_THROUGHPUT_CLIENTS)
 * hold the hub's book and trade streams. Counts events acknowledged by the hub and messages the clients got.
 */
async function throughput(stackUrl: string, wsUrl: string, tap: Map<string, number>) {
  const symbol = 'ETH-USDT';
  // A feed sends what arrived in its 20 ms window (FLUSH_MS in ExchangeFeed.ts) as one call: at a target
  // rate, the batch a feed would send (250 at least, as before).
  const batchFor = (rate: number) => Math.max(250, Math.round((rate * 20) / 1000));
  const inflight = 4;
  const seconds = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 8);
  const rates = (process.env.BENCH_RATES ?? '10000,25000,50000,100000,200000').split(',').map(Number);
  const next = syntheticSource(symbol);
  const feed = { exchange: 'binance', state: 'live', mode: 'replay', lastMessageAt: Date.now(), reconnects: 0 };
  const post = async (events: MarketEvent[]) => {
    const t0 = performance.now();
    const r = await fetch(`${stackUrl}/api/bench/ingest/${symbol}`, { method: 'POST', body: JSON.stringify({ events, feed }), headers: { 'content-type': 'application/json' } });
    if (!r.ok) throw new Error(`ingest ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
    return performance.now() - t0;
  };
  await post(next(250)); // the opening snapshot, before anyone subscribes
  // BENCH_THROUGHPUT_CODEC: the production encoding (bin) by default; json as the earlier runs used.
  const codec = process.env.BENCH_THROUGHPUT_CODEC ?? 'bin';
  // BENCH_THROUGHPUT_BANDWIDTH: the app's bandwidth setting the clients ask for (full: every book update as it happens).
  const bandwidth = (process.env.BENCH_THROUGHPUT_BANDWIDTH ?? 'full') as Bandwidth;
  if (!(bandwidth in BANDWIDTH)) throw new Error(`BENCH_THROUGHPUT_BANDWIDTH: one of ${Object.keys(BANDWIDTH).join(', ')}`);
  const rate = bandwidth === 'full' ? undefined : BANDWIDTH[bandwidth];
  const clients = await connectMany(Number(process.env.BENCH_THROUGHPUT_CLIENTS ?? 1000), wsUrl, [`edgetape.v1.${codec}`], tap, { streams: [`book:${symbol}:binance`, `trades:${symbol}:binance`], light: true, rate });
  await sleep(2_000);
  const steps = [];
  const conflated = () => clients.reduce((a, c) => a + c.conflated + Math.max(0, c.snapshots - 2), 0);
  for (const rate of rates) {
    const BATCH = batchFor(rate);
    const m0 = clients.reduce((a, c) => a + c.msgs, 0);
    const k0 = conflated();
    const g0 = clients.reduce((a, c) => a + c.gaps, 0);
    let acked = 0;
    let outstanding = 0;
    const rtt: number[] = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    // Batches are due at `rate`; when `inflight` are outstanding the driver waits, so the achieved rate shows the hub's limit.
    let due = 0;
    while (performance.now() < end) {
      const target = ((performance.now() - t0) / 1000) * rate;
      while (due + BATCH <= target && outstanding < inflight) {
        due += BATCH;
        outstanding++;
        void post(next(BATCH)).then((ms) => { rtt.push(ms); acked += BATCH; }, (err: unknown) => console.error(err)).finally(() => outstanding--);
      }
      await sleep(2);
    }
    const secs = (performance.now() - t0) / 1000;
    while (outstanding > 0) await sleep(5);
    const ackedRate = acked / secs;
    await sleep(1_000); // let the last batches reach the clients before counting
    const msgs = clients.reduce((a, c) => a + c.msgs, 0) - m0;
    steps.push({
      targetEventsPerSec: rate, batchEvents: BATCH, ingestedEventsPerSec: Math.round(ackedRate), behindTarget: r2(1 - ackedRate / rate),
      ingestRttMs: dist(rtt), deliveredMsgsPerSec: Math.round(msgs / (secs + 1)), conflatedMsgs: conflated() - k0,
      gapFrames: clients.reduce((a, c) => a + c.gaps, 0) - g0, gapReasons: [...gapReasons], socketsOpen: clients.filter((c) => c.ws.readyState === WebSocket.OPEN).length,
    });
    console.log('throughput step', steps.at(-1));
  }
  for (const c of clients) c.ws.close();
  return { symbol, codec, bandwidth, rate: rate ?? {}, relayBacklogBytes: process.env.BENCH_RELAY_BACKLOG_BYTES ?? 'default (256 KiB)', clients: clients.length, connectFailed: clients.failed, inflight, secondsPerStep: seconds, steps };
}

export async function run(): Promise<void> {
  if (!hasData()) {
    console.log(`skipped: ${DATA_DIR} is absent`);
    return;
  }
  // BENCH_PHASES=bytes,latency,throughput,fanout picks phases (all by default); results are written after each.
  const phases = new Set((process.env.BENCH_PHASES ?? 'bytes,latency,throughput,fanout').split(','));
  const results: Record<string, unknown> = { loadAverageAtStart: loadavg().map(r2) };
  const bandwidth = process.env.BENCH_THROUGHPUT_BANDWIDTH;
  const name = `edge-fanout${process.env.BENCH_PHASES ? `-${[...phases].join('-')}` : ''}${bandwidth && bandwidth !== 'full' ? `-${bandwidth}` : ''}`;
  const save = () => writeResults(name, results);
  if (phases.has('bytes')) {
    results.bytes = bytesOnWire();
    console.log('bytes on the wire', results.bytes);
    save();
  }
  if (!['latency', 'throughput', 'fanout'].some((p) => phases.has(p))) return;

  const speed = Number(process.env.BENCH_SPEED ?? 5);
  const wranglerLog = join(tmpdir(), 'edge-fanout-wrangler.log');
  writeFileSync(wranglerLog, '');
  console.log(`wrangler dev log: ${wranglerLog}`);
  const others = workerdPids();
  const stack: Stack = await startStack({
    replay: DEFAULT_RECORDING, speed, loop: true, port: 0, log: (l) => appendFileSync(wranglerLog, l),
    // BENCH_RELAY_BACKLOG_BYTES: the relays' slow-consumer threshold (RELAY_BACKLOG_BYTES, 256 KiB by default).
    vars: { RELAY_MAX_CLIENTS: '1000', RELAY_SHARDS: '1', BENCH: 'on', SYMBOLS: 'BTC-USDT,ETH-USDT', ...(process.env.BENCH_RELAY_BACKLOG_BYTES ? { RELAY_BACKLOG_BYTES: process.env.BENCH_RELAY_BACKLOG_BYTES } : {}) },
  });
  const ours = new Set([...workerdPids()].filter((p) => !others.has(p)));
  const entry = await workerdEntry(ours);
  const base = entry ?? stack.url;
  const wsUrl = `${base.replace('http', 'ws')}/ws`;
  const proxiedWsUrl = `${stack.url.replace('http', 'ws')}/ws`;
  results.edgeEntry = entry ? 'workerd entry socket (no wrangler dev proxy)' : 'wrangler dev proxy';
  const workerdRss = () => rssOf(ours);
  const tap = new Map<string, number>();
  const tapWall = new Map<string, number>();
  const t = tapOn(stack.fakeUrl!, tap, tapWall);
  const plain = await plainRelay(stack.fakeUrl!);
  const trades = ['trades:BTC-USDT:binance'];
  try {
    // 1. Latency: the same number of clients on each path, same upstream, same run; per hop from the relay's traces.
    if (phases.has('latency')) {
      const perPeer = Number(process.env.BENCH_LATENCY_CLIENTS ?? 100);
      const edge = await connectMany(perPeer, wsUrl, ['edgetape.v1.json'], tap, { streams: trades, trace: true });
      const proxied = entry ? await connectMany(perPeer, proxiedWsUrl, ['edgetape.v1.json'], tap, { streams: trades }) : [];
      const node = await connectMany(perPeer, plain.url, undefined, tap, {});
      await sleep(3_000);
      for (const c of [...edge, ...proxied, ...node]) {
        c.lat.length = 0;
        c.rxAt?.clear();
      }
      // Relays are named by the region wrangler's placeholder `request.cf` maps to; the hello names each socket's.
      const relays = [...new Set([...edge, ...proxied].map((c) => c.relay!))];
      const takeHops = async () => (await Promise.all(relays.map((r) => getJson<HopSample[]>(`${stack.url}/api/bench/hops/${r}`)))).flat();
      await takeHops(); // drop the warm-up's traces
      const windowMs = Number(process.env.BENCH_LATENCY_SECONDS ?? 20) * 1000;
      // The trades each traced message carried, for the fake→feed hop.
      const tradeIds = new Map<string, string[]>();
      const probe = edge[0]!.ws;
      const note = (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { t: string; stream: string; seq: number; trades?: { id: string }[] };
        if (m.t === 'trades') tradeIds.set(`${m.stream}#${m.seq}`, m.trades!.map((x) => x.id));
      };
      probe.on('message', note);
      // CPU over the window: the stack's workerd (feed, hub, relays, the Worker) and this process (the fake
      // exchange, the plain relay and every client), as % of one core; load average at both ends.
      const cpu0 = { workerd: cpuSecondsOf(ours), bench: process.cpuUsage(), at: performance.now(), load: loadavg()[0]! };
      await sleep(windowMs);
      const secs = (performance.now() - cpu0.at) / 1000;
      const benchCpu = process.cpuUsage(cpu0.bench);
      const cpu = {
        workerdPctOfCore: r2((100 * (cpuSecondsOf(ours) - cpu0.workerd)) / secs),
        benchProcessPctOfCore: r2((benchCpu.user + benchCpu.system) / 1e4 / secs),
        loadAverage: [r2(cpu0.load), r2(loadavg()[0]!)],
      };
      probe.off('message', note);
      const samples = await takeHops();
      results.latency = {
        speed, windowSeconds: windowMs / 1000, relays, cpu,
        // What the edge socket negotiated (permessage-deflate costs the relay a compressor per socket).
        edgeExtensions: edge[0]!.ws.extensions || 'none',
        edge: summary(edge), edgeViaWranglerProxy: entry ? summary(proxied) : undefined, plainNodeRelay: summary(node),
        perHop: hops(samples, edge, tapWall, tradeIds),
      };
      const L = results.latency as { edge: { p99: number; p50: number }; plainNodeRelay: { p99: number; p50: number } };
      console.log('tick → client latency (ms)', JSON.stringify(results.latency, null, 1));
      console.log(`p99 ratio edge/plain = ${r2(L.edge.p99 / L.plainNodeRelay.p99)}, p50 ratio = ${r2(L.edge.p50 / L.plainNodeRelay.p50)}`);
      for (const c of [...edge, ...proxied, ...node]) c.ws.close();
      save();
    }

    // 2. Throughput into one hub with 1,000 subscribed clients, at rising rates.
    if (phases.has('throughput')) {
      results.throughput = await throughput(base, wsUrl, tap);
      save();
    }

    // 3. Fan-out: 5,000 clients across relays of ≤ 1,000; every trade in a window delivered to every client.
    if (phases.has('fanout')) {
      await sleep(2_000);
      const rss0 = workerdRss();
      const total = Number(process.env.BENCH_FANOUT_CLIENTS ?? 5000);
      const c0 = performance.now();
      const fan = await connectMany(total, wsUrl, ['edgetape.v1.json'], tap, { streams: trades });
      const connectSeconds = r2((performance.now() - c0) / 1000);
      await sleep(5_000);
      const rssConnected = workerdRss();
      for (const c of fan) {
        c.ids.clear();
        c.lat.length = 0;
      }
      // The feed's own record of the window (a reconnect or stall loses the venue's frames meanwhile).
      type Venues = { venues: { reconnects: number; gaps: number; resyncs: number; feeds: { stalls: number; rotations: number; history: { at: number; state: string; reason?: string }[] }[] }[] };
      const feedHealth = async () => {
        try {
          const v = (await getJson<Venues>(`${stack.url}/api/v1/exchanges`)).venues[0]!;
          return { reconnects: v.reconnects, gaps: v.gaps, resyncs: v.resyncs, stalls: v.feeds[0]?.stalls, rotations: v.feeds[0]?.rotations, history: v.feeds[0]?.history.slice(-6) };
        } catch (err) {
          return { error: String(err) }; // the health call itself timing out is a finding, not a reason to stop
        }
      };
      const feed0 = await feedHealth();
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
      const feed1 = await feedHealth();
      const perRelay = new Map<string, number>();
      for (const c of fan) perRelay.set(c.relay ?? '?', (perRelay.get(c.relay ?? '?') ?? 0) + 1);
      results.fanout = {
        clients: fan.length, connectFailed: fan.failed, connectSeconds, tradesInWindow: window.length, deliveriesExpected: window.length * fan.length,
        missingAtWindowEnd, missingAfterCatchUp: missing, catchUpSeconds: r2((performance.now() - caughtUp) / 1000),
        clientsWithEveryTrade: fan.filter((c) => window.every((id) => c.ids.has(id))).length,
        // Lost upstream is never silent: a missing trade must be one a gap marker counted.
        missingAnnounced: fan.reduce((a, c) => a + window.filter((id) => !c.ids.has(id) && c.announced.has(id)).length, 0),
        clientsWithEveryTradeOrItsGap: fan.filter((c) => window.every((id) => c.ids.has(id) || c.announced.has(id))).length,
        perClientTrades: dist(fan.map((c) => window.filter((id) => c.ids.has(id)).length)),
        gapFrames: fan.reduce((a, c) => a + c.gaps, 0), feedBefore: feed0, feedAfter: feed1,
        socketsOpen: fan.filter((c) => c.ws.readyState === WebSocket.OPEN).length,
        closeCodes: Object.fromEntries([...new Set(fan.map((c) => c.closedWith).filter((x) => x !== undefined))].map((k) => [k, fan.filter((c) => c.closedWith === k).length])),
        clientsPerRelay: Object.fromEntries([...perRelay].sort()),
        workerdRssMB: { before: r2(rss0 / 2 ** 20), connected: r2(rssConnected / 2 ** 20), afterWindow: r2(rss1 / 2 ** 20) },
        bytesPerClient: { connectedIdle: Math.round((rssConnected - rss0) / fan.length), afterWindow: Math.round((rss1 - rss0) / fan.length) },
        fdLimit: execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim(),
        latency: summary(fan),
      };
      console.log('fan-out', results.fanout);
      save();
      for (const c of fan) c.ws.close();
    }
  } finally {
    t.ws.close();
    plain.close();
    await stack.stop();
  }
  console.log(`wrote ${save()}`);
}
