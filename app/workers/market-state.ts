import type { ConsolidatedLevel, CrossBbo, StreamMsg, UpstreamGap, WireTrade } from '../../shared/protocol/messages';
import type { Level, Venue } from '../../shared/market/types';

/** Levels per side the ladder shows, and trades the tape keeps. */
const LADDER_ROWS = 12;
const TAPE_ROWS = 40;

export interface LadderRow {
  price: number;
  size: number;
  /** Running total from the top of the book. */
  cum: number;
  venues: Partial<Record<Venue, number>>;
}

/** Where a venue's trades never reached the edge: shown in the tape in its place, so the tape never looks whole when it is not. */
export interface TapeHole extends UpstreamGap { hole: true }
export type TapeRow = WireTrade | TapeHole;

/** What the depth ladder, the cross-venue table and the tape render; posted with the market view. */
export interface DepthView {
  bids: LadderRow[];
  asks: LadderRow[];
  cross: CrossBbo | null;
  tape: TapeRow[];
  /** Venues seen in the book, in a stable order for colours and columns. */
  venues: Venue[];
  /** Updates the edge folded into others for this client (it fell behind), and gaps it reported. */
  conflated: number;
  gaps: number;
  /** Trades known lost between the venues and the edge (where a venue's ids count them). */
  missed: number;
  /** Decimals of the instrument's price tick (set by the data worker; null until known). */
  priceDecimals: number | null;
}

/**
 * The consolidated book, cross-venue quote and tape of one instrument, kept from stream updates in
 * the data worker. Only the top rows ever cross to the main thread.
 */
export class MarketState {
  private readonly bids = new Map<number, ConsolidatedLevel>();
  private readonly asks = new Map<number, ConsolidatedLevel>();
  private cross: CrossBbo | null = null;
  private tape: TapeRow[] = [];
  private readonly venues = new Set<Venue>();
  private conflated = 0;
  private gaps = 0;
  private missed = 0;
  /**
   * Holes not yet placed: each goes in right after the trade it names (`after`). A gap comes ahead of the
   * trades after it, but a slow or rate-limited socket gets it ahead of a batch that also holds trades
   * from before the hole, so the place is found by that trade, not by arrival.
   */
  private holes: TapeHole[] = [];
  /** Called with each trade as it arrives (candles, trade rate). */
  onTrade: (t: WireTrade, live: boolean) => void = () => {};

  apply(m: StreamMsg): void {
    if (m.t === 'gap') {
      this.gaps++;
      if (m.upstream) {
        this.missed += m.upstream.missed ?? 0;
        const hole: TapeHole = { ...m.upstream, hole: true };
        // Its trade already arrived (the usual case) and is the venue's newest: the hole goes on top now.
        if (this.tape.find((r): r is WireTrade => r.venue === hole.venue && !('hole' in r))?.id === hole.after) this.tape = [hole, ...this.tape].slice(0, TAPE_ROWS);
        else this.holes.push(hole);
      }
      return;
    }
    if (m.t !== 'snapshot' && m.from !== undefined) this.conflated += m.seq - m.from;
    if (m.t === 'snapshot') {
      const d = m.data;
      if (d.kind === 'book') {
        this.bids.clear();
        this.asks.clear();
        this.setLevels(this.bids, d.book.bids);
        this.setLevels(this.asks, d.book.asks);
      } else if (d.kind === 'bbo') this.cross = d.bbo;
      else if (d.kind === 'trades') {
        this.tape = d.trades.slice(-TAPE_ROWS).reverse();
        for (const t of d.trades) this.onTrade(t, false);
      }
    } else if (m.t === 'book') {
      this.setLevels(this.bids, m.bids);
      this.setLevels(this.asks, m.asks);
    } else if (m.t === 'bbo') this.cross = m.bbo;
    else if (m.t === 'trades') {
      const rows: TapeRow[] = [];
      for (const t of m.trades) {
        this.onTrade(t, true);
        // A trade later than the hole's end is past it for sure, even when the named trade never came (a hub restart).
        const past = this.holes.length ? this.holes.findIndex((h) => h.venue === t.venue && t.ts > h.until) : -1;
        if (past >= 0) rows.push(...this.holes.splice(past, 1));
        rows.push(t);
        const at = this.holes.length ? this.holes.findIndex((h) => h.venue === t.venue && h.after === t.id) : -1;
        if (at >= 0) rows.push(...this.holes.splice(at, 1));
      }
      this.tape = [...rows.slice(-TAPE_ROWS).reverse(), ...this.tape].slice(0, TAPE_ROWS);
    }
  }

  view(): DepthView {
    return {
      bids: ladder(this.bids, (a, b) => b - a),
      asks: ladder(this.asks, (a, b) => a - b),
      cross: this.cross,
      tape: this.tape,
      venues: [...this.venues].sort(),
      conflated: this.conflated,
      gaps: this.gaps,
      missed: this.missed,
      priceDecimals: null,
    };
  }

  private setLevels(side: Map<number, ConsolidatedLevel>, levels: (Level | ConsolidatedLevel)[]): void {
    for (const l of levels) {
      if (l[1] === 0) side.delete(l[0]);
      else {
        const by = (l as ConsolidatedLevel)[2] ?? {};
        for (const v of Object.keys(by)) this.venues.add(v as Venue);
        side.set(l[0], [l[0], l[1], by]);
      }
    }
  }
}

/** The best rows of one side. A partial sort would do; a few thousand levels sort in well under a millisecond. */
function ladder(side: Map<number, ConsolidatedLevel>, order: (a: number, b: number) => number): LadderRow[] {
  const prices = [...side.keys()].sort(order).slice(0, LADDER_ROWS);
  let cum = 0;
  return prices.map((p) => {
    const [, size, venues] = side.get(p)!;
    cum += size;
    return { price: p, size, cum, venues };
  });
}
