import type { ConsolidatedLevel, CrossBbo } from '../protocol/messages';
import type { BookSide, OrderBook } from './book';
import type { Venue } from './types';

type Side = 'bids' | 'asks';

/** The consolidated level at `price`: every venue's size there, summed. */
export function levelAt(books: ReadonlyMap<Venue, OrderBook>, side: Side, price: number): ConsolidatedLevel {
  const by: Partial<Record<Venue, number>> = {};
  let total = 0;
  for (const [venue, book] of books) {
    const s = book[side];
    const i = s.find(price);
    if (i >= 0) {
      by[venue] = s.sizeAt(i);
      total += s.sizeAt(i);
    }
  }
  return [price, total, by];
}

/**
 * The best `depth` consolidated levels of one side: a k-way merge over the venues' sorted arrays,
 * equal prices folded into one level with its breakdown.
 */
export function mergeSide(books: ReadonlyMap<Venue, OrderBook>, side: Side, depth: number): ConsolidatedLevel[] {
  const sides: [Venue, BookSide][] = [...books].map(([v, b]) => [v, b[side]]);
  const idx = sides.map(() => 0);
  const better = side === 'bids' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  const out: ConsolidatedLevel[] = [];
  while (out.length < depth) {
    let best = NaN;
    for (let k = 0; k < sides.length; k++) {
      const s = sides[k]![1];
      if (idx[k]! < s.length && (Number.isNaN(best) || better(s.priceAt(idx[k]!), best))) best = s.priceAt(idx[k]!);
    }
    if (Number.isNaN(best)) break;
    const by: Partial<Record<Venue, number>> = {};
    let total = 0;
    for (let k = 0; k < sides.length; k++) {
      const [venue, s] = sides[k]!;
      if (idx[k]! < s.length && s.priceAt(idx[k]!) === best) {
        by[venue] = s.sizeAt(idx[k]!);
        total += s.sizeAt(idx[k]!);
        idx[k]!++;
      }
    }
    out.push([best, total, by]);
  }
  return out;
}

/** Best bid and ask across venues from each venue's own top of book, with crossed-market detection. */
export function crossBbo(venues: CrossBbo['venues'], vwap: number): CrossBbo {
  let bid = NaN, ask = NaN;
  let bidVenue: Venue | null = null, askVenue: Venue | null = null;
  for (const [v, q] of Object.entries(venues) as [Venue, NonNullable<CrossBbo['venues'][Venue]>][]) {
    if (q.bid > 0 && !(q.bid <= bid)) [bid, bidVenue] = [q.bid, v];
    if (q.ask > 0 && !(q.ask >= ask)) [ask, askVenue] = [q.ask, v];
  }
  const spread = ask - bid;
  return { venues, bid, bidVenue, ask, askVenue, spread, crossed: bidVenue !== null && askVenue !== null && bidVenue !== askVenue && bid >= ask, vwap };
}
