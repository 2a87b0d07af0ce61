import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VENUES, type FeedState, type Venue } from '../../shared/market/types';
import { SUBPROTOCOLS, type CrossBbo, type ServerMsg } from '../../shared/protocol/messages';
import { REPLAYS } from '../../tools/fake-exchange/main';
import { hasData } from '../../tools/paths';
import { startStack, type Stack } from '../../tools/stack';

interface VenueRow {
  venue: Venue;
  state: FeedState;
  reason?: string;
  gaps: number;
  resyncs: number;
  checksumFailed: number;
  feeds: { history: { at: number; state: FeedState; symbol?: string; reason?: string }[] }[];
  instruments: { symbol: string; state: FeedState; gaps: number; resyncs: number }[];
}

const exchanges = async (stack: Stack): Promise<VenueRow[]> =>
  ((await (await fetch(`${stack.url}/api/v1/exchanges`)).json()) as { venues: VenueRow[] }).venues;

/** Polls `/api/v1/exchanges` until `done` holds, for at most `ms`; the last answer either way. */
async function pollExchanges(stack: Stack, done: (v: VenueRow[]) => boolean, ms: number): Promise<VenueRow[]> {
  const until = Date.now() + ms;
  let venues = await exchanges(stack);
  while (!done(venues) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    venues = await exchanges(stack);
  }
  return venues;
}

const allLive = (venues: VenueRow[]) => venues.length === VENUES.length && venues.every((v) => v.state === 'live');
const states = (venues: VenueRow[]) => Object.fromEntries(venues.map((v) => [v.venue, `${v.state}${v.reason ? ` (${v.reason})` : ''}`]));

describe.skipIf(!hasData())(`npm start -- --replay: all eight venues at once against the fake exchanges ${hasData() ? '' : '(../shared/data is absent)'}`, () => {
  let stack: Stack;
  let state = '';
  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'edgetape-venues-'));
    stack = await startStack({ replay: true, speed: 1, loop: true, port: 0, persistTo: state, log: () => {} });
  });
  afterAll(async () => {
    await stack?.stop();
    if (state) rmSync(state, { recursive: true, force: true });
  });

  it('starts one fake per venue, and every venue with every replayed instrument reaches live in /api/v1/exchanges', async () => {
    expect(Object.keys(stack.fakes).sort()).toEqual([...VENUES].sort());
    const venues = await pollExchanges(stack, allLive, 120_000);
    expect(states(venues)).toEqual(Object.fromEntries(VENUES.map((v) => [v, 'live'])));
    for (const v of venues) {
      expect(v.instruments.map((i) => i.symbol), v.venue).toEqual(REPLAYS[v.venue].symbols);
      expect(v.instruments.every((i) => i.state === 'live'), v.venue).toBe(true);
      expect(v.checksumFailed, v.venue).toBe(0);
    }
  });

  it('the consolidated quote of each venue\'s instruments includes that venue; BTC-USDT joins Binance and OKX', async () => {
    const symbols = [...new Set(VENUES.map((v) => REPLAYS[v].symbols[0]!))];
    const ws = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/ws`, SUBPROTOCOLS.json);
    const latest = new Map<string, CrossBbo>();
    const want = (): boolean =>
      VENUES.every((v) => latest.get(`bbo:${REPLAYS[v].symbols[0]}:consolidated`)?.venues[v] !== undefined) &&
      ['binance', 'okx'].every((v) => latest.get('bbo:BTC-USDT:consolidated')?.venues[v as Venue] !== undefined);
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`consolidated quotes lack venues: ${JSON.stringify([...latest].map(([s, b]) => [s, Object.keys(b.venues)]))}`)), 60_000);
      ws.on('open', () => ws.send(JSON.stringify({ t: 'subscribe', streams: symbols.map((s) => `bbo:${s}:consolidated`) })));
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as ServerMsg;
        if (m.t === 'error') return fail(new Error(`${m.code}: ${m.message}`));
        if (m.t === 'snapshot' && m.data.kind === 'bbo') latest.set(m.stream, m.data.bbo);
        else if (m.t === 'bbo') latest.set(m.stream, m.bbo);
        if (want()) {
          clearTimeout(timer);
          ok();
        }
      });
      ws.on('error', fail);
    });
    ws.close();
    const btc = latest.get('bbo:BTC-USDT:consolidated')!;
    expect(Object.keys(btc.venues).sort()).toEqual(['binance', 'okx']);
    // The consolidated best bid and ask are the best of the venues' own.
    expect(btc.bid).toBe(Math.max(btc.venues.binance!.bid, btc.venues.okx!.bid));
    expect(btc.ask).toBe(Math.min(btc.venues.binance!.ask, btc.venues.okx!.ask));
  });

  it('a gap injected on Binance through /__fake/fault: Binance goes resyncing → live, the other venues stay live with no gap', async () => {
    await pollExchanges(stack, allLive, 60_000);
    const before = await exchanges(stack);
    const gapsBefore = Object.fromEntries(before.map((v) => [v.venue, v.gaps]));
    const binanceBefore = before.find((v) => v.venue === 'binance')!;
    const injectedAt = Date.now();
    const res = await fetch(`${stack.fakes.binance}/__fake/fault`, { method: 'POST', body: JSON.stringify({ kind: 'drop', count: 1 }) });
    expect(res.status).toBe(200);
    const healed = (venues: VenueRow[]) => {
      const b = venues.find((v) => v.venue === 'binance')!;
      return b.gaps > binanceBefore.gaps && b.state === 'live';
    };
    const after = await pollExchanges(stack, healed, 60_000);
    const binance = after.find((v) => v.venue === 'binance')!;
    expect(binance).toMatchObject({ state: 'live', gaps: binanceBefore.gaps + 1, resyncs: binanceBefore.resyncs + 1 });
    // The feed's history shows the book leaving and regaining sync after the fault.
    const changes = binance.feeds[0]!.history.filter((h) => h.symbol === 'BTC-USDT' && h.at >= injectedAt - 1_000).map((h) => h.state);
    expect(changes.slice(-2)).toEqual(['resyncing', 'live']);
    expect(binance.feeds[0]!.history.find((h) => h.state === 'resyncing' && h.at >= injectedAt - 1_000)?.reason).toMatch(/^gap: after \d+ got U \d+$/);
    // Nothing of the fault reached another venue: no new gap anywhere else, and all of them live.
    const others = await pollExchanges(stack, allLive, 30_000);
    expect(states(others)).toEqual(Object.fromEntries(VENUES.map((v) => [v, 'live'])));
    for (const v of others) if (v.venue !== 'binance') expect(v.gaps, v.venue).toBe(gapsBefore[v.venue]);
  });
});
