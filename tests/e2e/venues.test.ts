import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VENUES, type FeedState, type Venue } from '../../shared/market/types';
import { SUBPROTOCOLS, type ConsolidatedLevel, type CrossBbo, type ServerMsg } from '../../shared/protocol/messages';
import { REPLAYS } from '../../tools/fake-exchange/main';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { startStack, type Stack } from '../../tools/stack';
import { hasChromium, launch } from './browser';

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

  it('the consolidated quote and book of each venue\'s instruments include that venue, at the venue\'s own prices', async () => {
    const symbols = VENUES.flatMap((v) => REPLAYS[v].symbols.map((s) => [v, s] as const));
    const ws = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/ws`, SUBPROTOCOLS.json);
    const bbo = new Map<string, CrossBbo>();
    const book = new Map<string, ConsolidatedLevel[]>();
    const want = (): boolean => symbols.every(([v, s]) => bbo.get(s)?.venues[v] !== undefined && book.get(s)?.some((l) => (l[2][v] ?? 0) > 0));
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`consolidated figures lack venues: ${JSON.stringify([...bbo].map(([s, b]) => [s, Object.keys(b.venues)]))}`)), 60_000);
      ws.on('open', () => ws.send(JSON.stringify({ t: 'subscribe', streams: symbols.flatMap(([, s]) => [`bbo:${s}:consolidated`, `book:${s}:consolidated`]) })));
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as ServerMsg;
        if (m.t === 'error') return fail(new Error(`${m.code}: ${m.message}`));
        const symbol = 'stream' in m ? m.stream.split(':')[1]! : '';
        if (m.t === 'snapshot' && m.data.kind === 'bbo') bbo.set(symbol, m.data.bbo);
        else if (m.t === 'bbo') bbo.set(symbol, m.bbo);
        else if (m.t === 'snapshot' && m.data.kind === 'book') book.set(symbol, m.data.book.bids as ConsolidatedLevel[]);
        if (want()) {
          clearTimeout(timer);
          ok();
        }
      });
      ws.on('error', fail);
    });
    ws.close();
    for (const [v, s] of symbols) {
      const q = bbo.get(s)!;
      // One venue per instrument: the consolidated best bid and ask are that venue's, and not crossed.
      expect(Object.keys(q.venues), s).toEqual([v]);
      expect([q.bid, q.bidVenue, q.ask, q.askVenue], s).toEqual([q.venues[v]!.bid, v, q.venues[v]!.ask, v]);
      expect(q.bid, s).toBeLessThan(q.ask);
    }
  });

  it('a gap injected on Binance through /__fake/fault: Binance goes resyncing → live, the other venues stay live with no gap', async () => {
    await pollExchanges(stack, allLive, 60_000);
    const before = await exchanges(stack);
    const gapsBefore = Object.fromEntries(before.map((v) => [v.venue, v.gaps]));
    const binanceBefore = before.find((v) => v.venue === 'binance')!;
    const injectedAt = Date.now();
    const res = await fetch(`${stack.fakes.binance}/__fake/fault`, { method: 'POST', body: JSON.stringify({ kind: 'drop', count: 1 }) });
    expect(res.status).toBe(200);
    // The book's transitions enter the feed's history as its batch goes out, a moment after the adapter's
    // state (which the venue's state reads) has changed: healed once both say so.
    const changes = (b: VenueRow) => b.feeds[0]!.history.filter((h) => h.symbol === 'BTC-USDT' && h.at >= injectedAt - 1_000).map((h) => h.state);
    const healed = (venues: VenueRow[]) => {
      const b = venues.find((v) => v.venue === 'binance')!;
      return b.gaps > binanceBefore.gaps && b.state === 'live' && changes(b).at(-1) === 'live';
    };
    const after = await pollExchanges(stack, healed, 60_000);
    const binance = after.find((v) => v.venue === 'binance')!;
    expect(binance).toMatchObject({ state: 'live', gaps: binanceBefore.gaps + 1, resyncs: binanceBefore.resyncs + 1 });
    // The feed's history shows the book leaving and regaining sync after the fault.
    expect(changes(binance).slice(-2)).toEqual(['resyncing', 'live']);
    expect(binance.feeds[0]!.history.find((h) => h.state === 'resyncing' && h.at >= injectedAt - 1_000)?.reason).toMatch(/^gap: after \d+ got U \d+$/);
    // Nothing of the fault reached another venue: no new gap anywhere else, and all of them live.
    const others = await pollExchanges(stack, allLive, 30_000);
    expect(states(others)).toEqual(Object.fromEntries(VENUES.map((v) => [v, 'live'])));
    for (const v of others) if (v.venue !== 'binance') expect(v.gaps, v.venue).toBe(gapsBefore[v.venue]);
  });

  it.skipIf(!hasChromium)('the app shows every venue\'s health: eight badges, each REPLAY once its books are in sync', async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(stack.url);
      const board = page.getByTestId('all-venues');
      await expect.poll(() => board.locator('li').count(), { timeout: 30_000 }).toBe(VENUES.length);
      for (const v of VENUES) {
        await expect.poll(() => page.getByTestId(`exchange-${v}`).getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
      }
      expect(await page.getByTestId('exchange-binance-usdm').textContent()).toMatch(/^Binance USD-MREPLAY\d+ s/);
      // An instrument only Kraken feeds: focusing it shows Kraken's quote and candles, not an empty Binance panel.
      await page.getByTestId('watch-input').fill('XMR-USD');
      await page.getByTestId('panel-watchlist').getByRole('button', { name: 'Add' }).click();
      await page.locator('[data-testid=watch-item][data-symbol="XMR-USD"] button.watch-focus').click();
      await expect.poll(() => page.getByTestId('focused-symbol').textContent(), { timeout: 15_000 }).toBe('XMR-USD · Kraken');
      await expect.poll(async () => Number((await page.getByTestId('last-price').textContent())?.replace(/,/g, '')), { timeout: 30_000 }).toBeGreaterThan(0);
      mkdirSync(join(REPO_ROOT, 'tests/e2e/artifacts'), { recursive: true });
      await page.screenshot({ path: join(REPO_ROOT, 'tests/e2e/artifacts/all-venues.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
