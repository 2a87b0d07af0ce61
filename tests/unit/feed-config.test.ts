import { describe, expect, it } from 'vitest';
import { shippedVenues } from '../../tools/record';
import { configuredSymbols, parseFeedName, shards, venueConfigs } from '../../worker/config';

const env = (vars: Record<string, string>) => ({ FEED_MODE: 'live', SYMBOLS: 'BTC-USDT', ...vars }) as unknown as Env;
const VENUES = JSON.stringify({
  binance: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com', symbols: ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'BNB-USDT', 'XRP-USDT'], perConnection: 2 },
  'binance-usdm': { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com', staleMs: 3000, rotateMs: 82_800_000 },
});

describe('venue configuration', () => {
  it('reads VENUES in order, lets <VENUE>_WS_URL / _REST_URL override one venue, and falls back to SYMBOLS', () => {
    const c = venueConfigs(env({ VENUES, BINANCE_USDM_WS_URL: 'ws://127.0.0.1:9', BINANCE_USDM_REST_URL: 'http://127.0.0.1:9' }));
    expect(c.map((v) => [v.venue, v.ws, v.rest, v.symbols.length, v.staleMs, v.rotateMs])).toEqual([
      ['binance', 'wss://stream.binance.com:9443', 'https://api.binance.com', 5, undefined, undefined],
      ['binance-usdm', 'ws://127.0.0.1:9', 'http://127.0.0.1:9', 1, 3000, 82_800_000],
    ]);
    expect(c[1]!.symbols).toEqual(['BTC-USDT']);
    expect(configuredSymbols(env({ VENUES, SYMBOLS: 'BTC-USDT,DOGE-USDT' }))).toEqual(['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'BNB-USDT', 'XRP-USDT', 'DOGE-USDT']);
  });

  it('shards a venue over the per-connection limit into venue:0, venue:1, … and keeps a single connection named by the venue', () => {
    const [binance, usdm] = venueConfigs(env({ VENUES }));
    expect(shards(binance!)).toEqual([
      { name: 'binance:0', symbols: ['BTC-USDT', 'ETH-USDT'] },
      { name: 'binance:1', symbols: ['SOL-USDT', 'BNB-USDT'] },
      { name: 'binance:2', symbols: ['XRP-USDT'] },
    ]);
    expect(shards(usdm!)).toEqual([{ name: 'binance-usdm', symbols: ['BTC-USDT'] }]);
    expect(parseFeedName('binance:2')).toEqual({ venue: 'binance', shard: 2 });
    expect(parseFeedName('binance-usdm')).toEqual({ venue: 'binance-usdm', shard: 0 });
    expect(parseFeedName('ftx')).toBeUndefined();
    expect(parseFeedName('binance:x')).toBeUndefined();
  });

  it('refuses a broken VENUES with a message that says what is wrong', () => {
    expect(() => venueConfigs(env({ VENUES: '{"binance":' }))).toThrow(/^VENUES is not valid JSON: /);
    expect(() => venueConfigs(env({ VENUES: '[]' }))).toThrow('VENUES must be a JSON object keyed by venue');
    expect(() => venueConfigs(env({ VENUES: '{"ftx":{"ws":"x","rest":"y"}}' }))).toThrow(/^VENUES names unknown venue ftx; known: binance, binance-usdm/);
    expect(() => venueConfigs(env({ VENUES: '{"kraken":{"ws":"x"}}' }))).toThrow('VENUES.kraken needs "ws" and "rest" URLs');
  });

  it('the shipped wrangler.toml configures all eight venues', () => {
    expect(venueConfigs(env({ VENUES: shippedVenues() })).map((c) => c.venue)).toEqual(['binance', 'binance-usdm', 'coinbase', 'kraken', 'okx', 'bybit', 'bitmex', 'bitstamp']);
  });
});
