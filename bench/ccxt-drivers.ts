import ccxt from 'ccxt';
import { join } from 'node:path';
import { krakenV2Symbol } from '../shared/market/kraken-symbols';
import type { Venue } from '../shared/market/types';
import type { RecordedFrame } from '../tools/fake-exchange/recording';
import { readRecording } from '../tools/fake-exchange/recording';
import { DATA_DIR } from '../tools/paths';
import { okxInstId } from '../worker/ingest/okx';

/* eslint-disable @typescript-eslint/no-explicit-any -- ccxt's pro classes are untyped at this depth */

/** Feeds one record to ccxt the way its WebSocket client would; REST snapshots go through its own sync code. */
export type CcxtFeed = ((rec: RecordedFrame) => void | Promise<void>) & {
  /** Frames ccxt's handlers threw on: a driver that feeds ccxt what it cannot read would flatter it. */
  thrown: number;
  /** ccxt's books at the end, as `{symbol: [bestBid, bestAsk]}`, to check it did the same work. */
  tops(): Record<string, [number | undefined, number | undefined]>;
};

/** What differs per venue; `ccxtDriver` does the rest. */
interface CcxtVenue {
  ex: any;
  /** The socket URL ccxt's handlers look at (Bybit tells spot from contracts by it). */
  url: string;
  /** The recording's instruments (edgetape canonical symbols) as ccxt markets; Binance loads its own. */
  markets?: (canonical: string) => string;
  /** A recorded REST depth snapshot: hand it to ccxt's own snapshot-sync code. */
  rest?: (ex: any, rec: RecordedFrame, client: any) => Promise<void> | void;
  /** What ccxt's watchOrderBook subscription sets up before a frame of a new book arrives. */
  before?: (ex: any, msg: any) => void;
}

/**
 * A socket as ccxt's handlers see it: `url`, the `subscriptions` of a client that subscribed to every
 * channel in the recording (handlers stop early for unsubscribed hashes), and futures that nobody awaits.
 */
const stubClient = (url: string) => ({
  url,
  subscriptions: new Proxy({} as Record<string, unknown>, { has: () => true, get: () => ({}), deleteProperty: () => true }),
  futures: {},
  resolve() {},
  reject() {},
  send() {},
});

/**
 * A ccxt market for an edgetape canonical symbol (`BASE-QUOTE`, `-PERP`, `-YYMMDD`), as ccxt's own
 * fetchMarkets would list it; USD-quoted contracts in these recordings are inverse (settled in the base).
 */
function ccxtMarket(ex: any, id: string, canonical: string): unknown {
  const [base, quote, kind] = canonical.split('-') as [string, string, string | undefined];
  const spot = kind === undefined, swap = kind === 'PERP', future = !spot && !swap;
  const inverse = !spot && quote === 'USD';
  const settle = spot ? undefined : inverse ? base : quote;
  const symbol = spot ? `${base}/${quote}` : `${base}/${quote}:${settle}${future ? `-${kind}` : ''}`;
  return {
    ...ex.safeMarketStructure(), id, symbol, base, quote, settle, baseId: base, quoteId: quote, settleId: settle,
    type: spot ? 'spot' : swap ? 'swap' : 'future', spot, swap, future, contract: !spot, linear: spot ? undefined : !inverse,
    inverse: spot ? undefined : inverse, contractSize: spot ? undefined : 1, active: true,
  };
}

/**
 * One ccxt pro exchange fed the identical records edgetape gets, through handleMessage (and for REST
 * snapshots, ccxt's own snapshot code with its HTTP layer answered from the recording). `symbols` are the
 * canonical instruments of the recording.
 */
function ccxtDriver(v: CcxtVenue, symbols: readonly string[]): CcxtFeed {
  const ex = v.ex;
  if (v.markets) ex.setMarkets(symbols.map((s) => ccxtMarket(ex, v.markets!(s), s)));
  const client = stubClient(v.url);
  const feed = ((rec: RecordedFrame) => {
    if (rec.kind === 'rest') return v.rest?.(ex, rec, client);
    // OKX answers its text ping with a bare `pong`, which ccxt handles as such.
    const msg = rec.frame === 'pong' ? rec.frame : JSON.parse(rec.frame);
    v.before?.(ex, msg);
    try {
      ex.handleMessage(client, msg);
    } catch {
      feed.thrown++;
    }
  }) as CcxtFeed;
  feed.thrown = 0;
  feed.tops = () => Object.fromEntries(Object.entries(ex.orderbooks as Record<string, any>).map(([s, b]) => [s, [b.bids[0]?.[0], b.asks[0]?.[0]]]));
  return feed;
}

function binance(Ctor: any, url: string, infoFile: string, type: 'spot' | 'future'): CcxtVenue {
  const ex = new Ctor({ enableRateLimit: false, options: { watchOrderBook: { checksum: true }, crossMarginPairsData: [], isolatedMarginPairsData: [] } });
  const info = JSON.parse(readRecording(join(DATA_DIR, infoFile)).find((r) => r.kind === 'rest')!.frame) as { symbols: unknown[] };
  ex.setMarkets(ex.parseMarkets(info.symbols));
  const marketType = type === 'spot' ? 'spot' : 'swap';
  const symbolOf = (id: string) => ex.safeMarket(id, undefined, undefined, marketType).symbol as string;
  let lastSymbol = '';
  return {
    ex, url,
    rest: (ex, rec, client) => {
      // hftbacktest's inline snapshot has no URL: it belongs to the stream's symbol.
      const symbol = symbolOf(rec.url ? new URL(rec.url).searchParams.get('symbol')! : lastSymbol);
      if (!ex.orderbooks[symbol]) return;
      const raw = JSON.parse(rec.frame);
      const snapshot = ex.parseOrderBook(raw, symbol, raw.T);
      snapshot.nonce = raw.lastUpdateId;
      ex.fetchRestOrderBookSafe = async () => snapshot;
      return ex.fetchOrderBookSnapshot(client, undefined, { symbol, type, limit: 1000 });
    },
    before: (ex, msg) => {
      const d = msg.data ?? msg;
      if (d.e !== 'depthUpdate') return;
      lastSymbol = d.s;
      const symbol = symbolOf(d.s);
      if (!ex.orderbooks[symbol]) ex.orderbooks[symbol] = ex.orderBook({}, 1000);
    },
  };
}

/**
 * ccxt loads a Bitstamp book from REST only when the snapshot is newer than the first diff it buffered;
 * the recorded snapshots were taken just before the subscription, so that check would fail every time
 * and leave ccxt with no book to maintain. Each recorded snapshot is instead parsed by ccxt and loaded
 * into the book its subscription reply created, as loadOrderBook does once the check passes; ccxt's own
 * diff handling (drop diffs at or before the snapshot, apply the rest) takes it from there.
 */
function bitstamp(): CcxtVenue {
  const snapshots = new Map<string, string>();
  return {
    ex: new ccxt.pro.bitstamp({ enableRateLimit: false, options: { watchOrderBook: { snapshotDelay: Infinity } } }),
    url: 'wss://ws.bitstamp.net',
    markets: (c) => c.replace('-', '').toLowerCase(),
    rest: (ex, rec) => {
      const id = /order_book\/(\w+)/.exec(rec.url ?? '')?.[1];
      if (id) snapshots.set(ex.safeSymbol(id), rec.frame);
    },
    before: (ex, msg) => {
      if (msg.event !== 'data' || typeof msg.channel !== 'string') return;
      const symbol = ex.safeSymbol(msg.channel.split('_')[3]);
      const book = ex.orderbooks[symbol];
      const body = snapshots.get(symbol);
      if (!book || book.nonce !== undefined || body === undefined) return;
      snapshots.delete(symbol);
      const raw = JSON.parse(body);
      const snapshot = ex.parseOrderBook(raw, symbol, Math.floor(raw.microtimestamp / 1000));
      snapshot.nonce = +raw.microtimestamp;
      book.reset(snapshot);
      book.cache.length = 0;
    },
  };
}

/**
 * Per venue, a fresh ccxt pro exchange for the recording's instruments; venues ccxt cannot be driven for
 * are absent, with the reason in `CCXT_MISSING`.
 */
export const CCXT_DRIVERS: Partial<Record<Venue, (symbols: readonly string[]) => CcxtFeed>> = {
  binance: (s) => ccxtDriver(binance(ccxt.pro.binance, 'wss://stream.binance.com:9443/stream', 'cryptofeed/BINANCE.0', 'spot'), s),
  'binance-usdm': (s) => ccxtDriver(binance(ccxt.pro.binanceusdm, 'wss://fstream.binance.com/ws', 'cryptofeed/BINANCE_FUTURES.0', 'future'), s),
  coinbase: (s) => ccxtDriver({ ex: new ccxt.pro.coinbaseexchange({ enableRateLimit: false }), url: 'wss://ws-feed.exchange.coinbase.com', markets: (c) => c }, s),
  bitstamp: (s) => ccxtDriver(bitstamp(), s),
  // ccxt speaks Kraken v2 only: it gets the recordings converted to v2 (tools/kraken-v2.ts). Its checksum stays
  // off, ccxt's default ("the exchange checksum was not reliable"): switched on, it rejects valid snapshots.
  kraken: (s) => ccxtDriver({ ex: new ccxt.pro.kraken({ enableRateLimit: false }), url: 'wss://ws.kraken.com/v2', markets: krakenV2Symbol }, s),
  okx: (s) => ccxtDriver({ ex: new ccxt.pro.okx({ enableRateLimit: false, options: { watchOrderBook: { checksum: true } } }), url: 'wss://ws.okx.com:8443/ws/v5/public', markets: okxInstId }, s),
  bybit: (s) => ccxtDriver({ ex: new ccxt.pro.bybit({ enableRateLimit: false }), url: 'wss://stream.bybit.com/v5/public/linear', markets: (c) => c.split('-').slice(0, 2).join('') }, s),
};

/** Why a venue has no ccxt peer. */
export const CCXT_MISSING: Partial<Record<Venue, string>> = {
  bitmex: 'ccxt 4.5 has no BitMEX class (neither REST nor pro)',
};
