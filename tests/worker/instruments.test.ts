import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { ExchangeFeed } from '../../worker/objects/ExchangeFeed';
import type { SpecsState } from '../../worker/objects/instrument-specs';
import type { InstrumentInfo } from '../../worker/routes/instruments';
import { feedStub } from '../../worker/objects/stubs';

const list = async () => ((await (await SELF.fetch('http://edge.test/api/v1/instruments')).json()) as { instruments: InstrumentInfo[] }).instruments;

async function until<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!pred(v)) {
    if (Date.now() > end) throw new Error(`${what}: not reached; last ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe.skipIf(!inject('hasData'))('instrument specs from the venue\'s instrument list, through the fake exchange', () => {
  it('GET /api/v1/instruments carries Binance BTC-USDT\'s tick and lot size from the recorded exchangeInfo', async () => {
    await feedStub(env, 'binance').start('binance');
    const all = await until(list, (l) => l.find((i) => i.symbol === 'BTC-USDT')?.specs.binance !== undefined, 'binance specs');
    // cryptofeed/BINANCE.0, BTCUSDT: PRICE_FILTER tickSize "0.01000000", LOT_SIZE stepSize "0.00001000", MIN_NOTIONAL "10.00000000".
    expect(all.find((i) => i.symbol === 'BTC-USDT')!.specs).toEqual({
      binance: { venueSymbol: 'BTCUSDT', tickSize: 0.01, lotSize: 0.00001, contractSize: 1, tick: '0.01', lot: '0.00001', minNotional: 10 },
    });
    // ETH-USDT is only in SYMBOLS, no feed ingests it: no venue's specs; Bitstamp's REST is dead: none either.
    expect(all.find((i) => i.symbol === 'ETH-USDT')!.specs).toEqual({});
    expect(all.find((i) => i.symbol === 'BTC-USD')!.specs).toEqual({});
  });

  it('a dead venue REST keeps the last known specs and reports why, without touching the feed', async () => {
    const feed = feedStub(env, 'binance');
    const before = await feed.instrumentSpecs();
    expect(before.fetchedAt).toBeGreaterThan(0);
    const after = await runInDurableObject(feed, async (inst: ExchangeFeed) => {
      // Due for the daily refresh, with the venue's REST gone.
      const o = inst as unknown as { cfg: { rest: string }; specsTriedAt: number; refreshSpecs(): Promise<void>; ctx: DurableObjectState };
      o.ctx.storage.kv.put<SpecsState>('specs', { ...before, fetchedAt: 1 });
      o.cfg = { ...o.cfg, rest: 'http://127.0.0.1:1' };
      o.specsTriedAt = 0;
      await o.refreshSpecs();
      return inst.instrumentSpecs();
    });
    expect(after.specs).toEqual(before.specs);
    expect(after.fetchedAt).toBe(1);
    expect(after.error).toMatch(/^\/api\/v3\/exchangeInfo: /);
    const status = await feed.status();
    expect(status.exchange).toBe('binance');
  });

  it('a venue whose REST never answered has no specs and says so', async () => {
    const bitstamp = feedStub(env, 'bitstamp');
    await bitstamp.start('bitstamp');
    const s = await until(() => bitstamp.instrumentSpecs(), (v) => v.error !== 'instrument list not fetched yet', 'bitstamp list attempt');
    expect(s.specs).toEqual({});
    expect(s.fetchedAt).toBe(0);
    expect(s.error).toMatch(/^\/api\/v2\/trading-pairs-info\/: /);
  });
});
