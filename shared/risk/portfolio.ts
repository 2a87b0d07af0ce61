import type { Position } from './positions';
import { unrealized } from './positions';

export interface Exposure {
  /** Signed market value per base asset and per exchange, in quote currency. */
  byAsset: Record<string, number>;
  byExchange: Record<string, number>;
  gross: number;
  net: number;
  /** Herfindahl index of gross exposure by asset: 1 = everything in one asset. */
  concentration: number;
  /** Largest single asset's share of gross exposure. */
  largestShare: number;
}

const baseOf = (symbol: string): string => symbol.split('-')[0]!;

/** Exposure of open positions marked at `marks[symbol]` (the live consolidated mid). */
export function exposure(positions: readonly Position[], marks: Record<string, number>): Exposure {
  const byAsset: Record<string, number> = {};
  const byExchange: Record<string, number> = {};
  let gross = 0;
  let net = 0;
  for (const p of positions) {
    const mark = marks[p.symbol];
    if (mark === undefined || p.qty === 0) continue;
    const v = p.qty * mark;
    byAsset[baseOf(p.symbol)] = (byAsset[baseOf(p.symbol)] ?? 0) + v;
    byExchange[p.exchange] = (byExchange[p.exchange] ?? 0) + v;
    gross += Math.abs(v);
    net += v;
  }
  let hhi = 0;
  let largest = 0;
  for (const v of Object.values(byAsset)) {
    const share = gross ? Math.abs(v) / gross : 0;
    hhi += share * share;
    largest = Math.max(largest, share);
  }
  return { byAsset, byExchange, gross, net, concentration: hhi, largestShare: largest };
}

/** Total P&L (realized − fees + unrealized) of the positions at these marks. */
export const totalPnl = (positions: readonly Position[], marks: Record<string, number>): number =>
  positions.reduce((s, p) => s + p.realized - p.fees + (marks[p.symbol] !== undefined ? unrealized(p, marks[p.symbol]!) : 0), 0);

/** Running peak and drawdown (fraction below the peak) of an equity curve. */
export function drawdown(equity: ArrayLike<number>): { drawdown: Float64Array; max: number; maxAt: number } {
  const dd = new Float64Array(equity.length);
  let peak = -Infinity;
  let max = 0;
  let maxAt = -1;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) peak = e;
    dd[i] = peak > 0 ? (peak - e) / peak : 0;
    if (dd[i]! > max) {
      max = dd[i]!;
      maxAt = i;
    }
  }
  return { drawdown: dd, max, maxAt };
}
