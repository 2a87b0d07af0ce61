import type { Fill } from './fills';

export type CostMethod = 'fifo' | 'average';

/** An open position in one instrument on one venue; `qty` < 0 is short. */
export interface Position {
  exchange: string;
  symbol: string;
  qty: number;
  /** Cost basis of the open quantity, in quote currency (negative for shorts: proceeds received). */
  cost: number;
  realized: number;
  fees: number;
}

interface Lot {
  qty: number;
  price: number;
}

const EPS = 1e-12;

/**
 * Folds fills (in time order) into positions. FIFO closes the oldest lots first; average cost keeps one
 * lot at the running average. A fill that crosses through zero closes the position and opens the
 * other side with the remainder. Realized P&L is before fees; fees are kept apart.
 */
export function buildPositions(fills: readonly Fill[], method: CostMethod): Position[] {
  // Lots are consumed from `head`: shifting an array per close would make long histories quadratic.
  const books = new Map<string, { pos: Position; lots: Lot[]; head: number }>();
  for (const f of fills) {
    const key = `${f.exchange}:${f.symbol}`;
    let b = books.get(key);
    if (!b) books.set(key, (b = { pos: { exchange: f.exchange, symbol: f.symbol, qty: 0, cost: 0, realized: 0, fees: 0 }, lots: [], head: 0 }));
    const pos = b.pos;
    pos.fees += f.fee;
    let remaining = f.side === 'buy' ? f.amount : -f.amount;
    // Close against lots of the opposite sign.
    while (Math.abs(remaining) > EPS && b.head < b.lots.length && Math.sign(b.lots[b.head]!.qty) !== Math.sign(remaining)) {
      const lot = b.lots[b.head]!;
      const closeQty = Math.min(Math.abs(remaining), Math.abs(lot.qty)) * Math.sign(lot.qty);
      pos.realized += closeQty * (f.price - lot.price);
      pos.qty -= closeQty;
      pos.cost -= closeQty * lot.price;
      lot.qty -= closeQty;
      remaining += closeQty;
      if (Math.abs(lot.qty) <= EPS) b.head++;
    }
    if (b.head === b.lots.length) {
      b.lots.length = b.head = 0;
      pos.qty = pos.cost = 0; // flat: drop rounding residue
    }
    if (Math.abs(remaining) > EPS) {
      if (method === 'average' && b.head < b.lots.length) {
        const lot = b.lots[b.head]!;
        lot.price = (lot.qty * lot.price + remaining * f.price) / (lot.qty + remaining);
        lot.qty += remaining;
      } else b.lots.push({ qty: remaining, price: f.price });
      pos.qty += remaining;
      pos.cost += remaining * f.price;
    }
  }
  return [...books.values()].map((b) => b.pos);
}

/** Average entry price of the open quantity, NaN when flat. */
export const entryPrice = (p: Position): number => (Math.abs(p.qty) > EPS ? p.cost / p.qty : NaN);

/** Unrealized P&L marked to `mark` (the live consolidated mid). */
export const unrealized = (p: Position, mark: number): number => p.qty * mark - p.cost;
