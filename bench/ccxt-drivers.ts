import ccxt from 'ccxt';
import type { Venue } from '../shared/market/types';
import type { RecordedFrame } from '../tools/fake-exchange/recording';
import { readRecording } from '../tools/fake-exchange/recording';
import { DATA_DIR } from '../tools/paths';
import { join } from 'node:path';

/** Feeds one record to ccxt the way its WebSocket client would; REST snapshots go through its own sync code. */
export type CcxtFeed = (rec: RecordedFrame) => void | Promise<void>;

/**
 * ccxt's stand-in for a socket: handleMessage only reads `url` and `subscriptions` and resolves or rejects
 * futures by message hash, which nobody awaits here.
 */
const stubClient = (url: string) => ({ url, subscriptions: {} as Record<string, unknown>, futures: {}, resolve() {}, reject() {}, send() {} });

/* eslint-disable @typescript-eslint/no-explicit-any -- ccxt's pro classes are untyped at this depth */
function binanceFamily(Ctor: any, url: string, infoFile: string, type: 'spot' | 'future'): CcxtFeed {
  const ex = new Ctor({ options: { watchOrderBook: { checksum: true }, crossMarginPairsData: [], isolatedMarginPairsData: [] } });
  const info = JSON.parse(readRecording(join(DATA_DIR, infoFile)).find((r) => r.kind === 'rest')!.frame) as { symbols: unknown[] };
  ex.setMarkets(ex.parseMarkets(info.symbols));
  const client = stubClient(url);
  const marketType = type === 'spot' ? 'spot' : 'swap';
  let lastSymbol = '';
  const symbolOf = (id: string) => ex.safeMarket(id, undefined, undefined, marketType).symbol as string;
  const feed: CcxtFeed & { ex?: unknown } = (rec) => {
    if (rec.kind === 'rest') {
      const id = rec.url ? new URL(rec.url).searchParams.get('symbol')! : lastSymbol;
      const symbol = symbolOf(id);
      if (!ex.orderbooks[symbol]) return;
      const raw = JSON.parse(rec.frame);
      const snapshot = ex.parseOrderBook(raw, symbol, raw.T);
      snapshot.nonce = raw.lastUpdateId;
      ex.fetchRestOrderBookSafe = async () => snapshot;
      return ex.fetchOrderBookSnapshot(client, undefined, { symbol, type, limit: 1000 });
    }
    const msg = JSON.parse(rec.frame);
    const d = msg.data ?? msg;
    if (d.e === 'depthUpdate') {
      lastSymbol = d.s;
      const symbol = symbolOf(d.s);
      // What watchOrderBook's subscription does before the first diff arrives.
      if (!ex.orderbooks[symbol]) ex.orderbooks[symbol] = ex.orderBook({}, 1000);
    }
    ex.handleMessage(client, msg);
  };
  feed.ex = ex;
  return feed;
}

/** Per venue, a fresh ccxt pro exchange fed through a stub client; venues ccxt cannot be driven for are absent. */
export const CCXT_DRIVERS: Partial<Record<Venue, () => CcxtFeed>> = {
  binance: () => binanceFamily(ccxt.pro.binance, 'wss://stream.binance.com:9443/stream', 'cryptofeed/BINANCE.0', 'spot'),
  'binance-usdm': () => binanceFamily(ccxt.pro.binanceusdm, 'wss://fstream.binance.com/ws', 'cryptofeed/BINANCE_FUTURES.0', 'future'),
};
