/**
 * Price alerts as pure state machines, so the edge can persist a state change and its outbox entry in one
 * transaction and a replayed, duplicated or reordered tick can never fire twice or skip a firing.
 *
 * armed ──trigger──► fired (firing n+1) ──re-arm condition (hysteresis)──► armed   (repeating rules)
 *                                        └─ one-shot rules (stops, take-profits, trailing) end in `done`.
 */

/**
 * The position a stop, take-profit or trailing stop is set on: its venue, and its side and size when the
 * stop was set (both taken from the user's position; the edge disarms the stop when the position closes).
 */
export interface OnPosition {
  position: 'long' | 'short';
  exchange?: string;
  qty?: number;
}

export type AlertRule =
  | { kind: 'cross'; direction: 'above' | 'below'; level: number }
  /** Stop-loss on a position: a long's stop fires at or below the level, a short's at or above. */
  | ({ kind: 'stop'; level: number } & OnPosition)
  /** Take-profit: a long's fires at or above the level, a short's at or below. */
  | ({ kind: 'take'; level: number } & OnPosition)
  /** Trailing stop `distance` (fraction) behind the best price seen since arming. */
  | ({ kind: 'trailing'; distance: number } & OnPosition)
  /** Price moved by at least `pct` (fraction) from the window's low or high within `windowMs`. */
  | { kind: 'move'; pct: number; windowMs: number }
  /** Volatility spike: realized volatility √Σ(ln pᵢ/pᵢ₋₁)² of the ticks inside `windowMs` reaches `threshold`. */
  | { kind: 'vol'; threshold: number; windowMs: number };

export interface Alert {
  id: string;
  symbol: string;
  rule: AlertRule;
  /** Re-arm gap as a fraction of the level (repeating rules): avoids a flood when price hovers at the level. */
  hysteresis: number;
}

export interface AlertState {
  phase: 'armed' | 'fired' | 'done';
  firings: number;
  /** Trailing stops: best price since arming. */
  peak?: number;
  /** Move alerts: (ts, price) samples inside the window. */
  window?: [number, number][];
  /** Position rules: disarmed because the position closed (wall-clock ms of the fill's transaction). */
  cancelled?: { at: number; reason: string };
}

export interface Tick {
  /** The hub's per-stream sequence number: contiguous, so gaps and repeats are detectable. */
  seq: number;
  ts: number;
  price: number;
}

export interface Firing {
  alertId: string;
  /** 1-based firing number: with the alert id, the idempotency key of the delivery. */
  n: number;
  seq: number;
  ts: number;
  price: number;
  /** Condition alerts (book health, portfolio limits): what was wrong, in words. */
  detail?: string;
  /** Wall-clock ms at which the edge committed the firing (the evaluation's transaction). */
  committedAt?: number;
}

export const initialState = (): AlertState => ({ phase: 'armed', firings: 0 });

/** Stops, take-profits and trailing stops: set on a position, one-shot. */
export const onPosition = <R extends { kind: string }>(r: R): r is Extract<R, { kind: 'stop' | 'take' | 'trailing' }> =>
  r.kind === 'stop' || r.kind === 'take' || r.kind === 'trailing';

/** Price at or beyond which a level rule triggers, and in which direction. */
export function trigger(rule: AlertRule): { level: number; up: boolean } | undefined {
  switch (rule.kind) {
    case 'cross':
      return { level: rule.level, up: rule.direction === 'above' };
    case 'stop':
      return { level: rule.level, up: rule.position === 'short' };
    case 'take':
      return { level: rule.level, up: rule.position === 'long' };
    default:
      return undefined;
  }
}

/** One alert, one tick (in sequence order). Returns the new state and, if it fired, the firing. */
export function step(alert: Alert, s: AlertState, tick: Tick): { state: AlertState; firing?: Firing } {
  if (s.phase === 'done') return { state: s };
  const { rule } = alert;
  const fire = (extra: Partial<AlertState> = {}) => {
    const n = s.firings + 1;
    return {
      state: { ...s, ...extra, phase: onPosition(rule) ? ('done' as const) : ('fired' as const), firings: n },
      firing: { alertId: alert.id, n, seq: tick.seq, ts: tick.ts, price: tick.price },
    };
  };
  const p = tick.price;
  switch (rule.kind) {
    case 'cross':
    case 'stop':
    case 'take': {
      const lvl = trigger(rule)!;
      const hit = lvl.up ? p >= lvl.level : p <= lvl.level;
      if (s.phase === 'armed') return hit ? fire() : { state: s };
      const r = rearmLevel(alert, lvl);
      const rearm = lvl.up ? p <= r : p >= r;
      return { state: rearm ? { ...s, phase: 'armed' } : s };
    }
    case 'trailing': {
      const long = rule.position === 'long';
      const peak = s.peak === undefined ? p : long ? Math.max(s.peak, p) : Math.min(s.peak, p);
      const stop = long ? peak * (1 - rule.distance) : peak * (1 + rule.distance);
      return (long ? p <= stop : p >= stop) ? fire({ peak }) : { state: { ...s, peak } };
    }
    case 'move': {
      const win = slide(s.window, tick, rule.windowMs);
      let lo = Infinity;
      let hi = -Infinity;
      for (const [, q] of win) {
        if (q < lo) lo = q;
        if (q > hi) hi = q;
      }
      const move = Math.max((p - lo) / lo, (hi - p) / hi);
      if (s.phase === 'armed') return move >= rule.pct ? fire({ window: [[tick.ts, p]] }) : { state: { ...s, window: win } };
      // re-arms once the move inside the window has fallen back below half the threshold
      return { state: { ...s, window: win, phase: move < rule.pct / 2 ? 'armed' : 'fired' } };
    }
    case 'vol': {
      const win = slide(s.window, tick, rule.windowMs);
      let ss = 0;
      for (let i = 1; i < win.length; i++) ss += Math.log(win[i]![1] / win[i - 1]![1]) ** 2;
      const rv = Math.sqrt(ss);
      if (s.phase === 'armed') return rv >= rule.threshold ? fire({ window: win }) : { state: { ...s, window: win } };
      return { state: { ...s, window: win, phase: rv < rule.threshold / 1.5 ? 'armed' : 'fired' } };
    }
  }
}

/** The (ts, price) samples of the last `windowMs` including this tick. */
const slide = (w: AlertState['window'], tick: Tick, windowMs: number): [number, number][] => {
  const win = (w ?? []).filter(([t]) => t > tick.ts - windowMs);
  win.push([tick.ts, tick.price]);
  return win;
};

/**
 * The alerts of one price stream. Ticks are applied strictly in sequence order: repeats and ticks already
 * applied are ignored, early ones wait in a bounded buffer until the gap fills. Armed level alerts sit in
 * sorted arrays, so a tick costs O(log n + fired) however many alerts there are.
 */
export class AlertBook {
  private readonly alerts = new Map<string, Alert>();
  private readonly states = new Map<string, AlertState>();
  /** Armed level alerts that fire when price rises to their level (ascending) or falls to it (descending). */
  private readonly upLevels = new SortedLevels();
  private readonly downLevels = new SortedLevels();
  /** Fired level alerts by the price that re-arms them: falling to it (up-triggers) or rising to it. */
  private readonly rearmDown = new SortedLevels();
  private readonly rearmUp = new SortedLevels();
  /** Trailing and move alerts, whose trigger moves with the price: checked on every tick (few). */
  private readonly scanned = new Set<string>();
  private readonly early = new Map<number, Tick>();
  /** Alerts whose state changed since the last `drainChanged`: what a store must persist with the firings. */
  private readonly changed = new Set<string>();
  nextSeq: number;

  constructor(nextSeq = 1, private readonly maxEarly = 10_000) {
    this.nextSeq = nextSeq;
  }

  get size(): number {
    return this.alerts.size;
  }

  state(id: string): AlertState | undefined {
    return this.states.get(id);
  }

  add(alert: Alert, state: AlertState = initialState()): void {
    this.remove(alert.id);
    this.alerts.set(alert.id, alert);
    this.place(alert, state);
  }

  remove(id: string): void {
    const a = this.alerts.get(id);
    if (!a) return;
    const lvl = trigger(a.rule);
    if (lvl) {
      (lvl.up ? this.upLevels : this.downLevels).delete(lvl.level, id);
      (lvl.up ? this.rearmDown : this.rearmUp).delete(rearmLevel(a, lvl), id);
    }
    this.scanned.delete(id);
    this.alerts.delete(id);
    this.states.delete(id);
  }

  /** Applies a tick and every buffered tick it unblocks; returns firings in sequence order. */
  apply(tick: Tick): Firing[] {
    if (tick.seq < this.nextSeq || this.early.has(tick.seq)) return [];
    if (tick.seq > this.nextSeq) {
      if (this.early.size < this.maxEarly) this.early.set(tick.seq, tick);
      return [];
    }
    const out: Firing[] = [];
    for (let t: Tick | undefined = tick; t; t = this.early.get(this.nextSeq)) {
      this.early.delete(t.seq);
      this.evaluate(t, out);
      this.nextSeq = t.seq + 1;
    }
    return out;
  }

  drainChanged(): { id: string; state: AlertState }[] {
    const out = [...this.changed].filter((id) => this.states.has(id)).map((id) => ({ id, state: this.states.get(id)! }));
    this.changed.clear();
    return out;
  }

  /** The stream restarted from a snapshot (the hub could not fill a gap): continue from `seq`. */
  resetSequence(seq: number): void {
    this.early.clear();
    this.nextSeq = seq;
  }

  private evaluate(tick: Tick, out: Firing[]): void {
    const p = tick.price;
    const touched = [
      ...this.upLevels.takeAtOrBelow(p), ...this.downLevels.takeAtOrAbove(p),
      ...this.rearmDown.takeAtOrAbove(p), ...this.rearmUp.takeAtOrBelow(p), ...this.scanned,
    ];
    for (const id of touched) {
      const alert = this.alerts.get(id)!;
      const before = this.states.get(id)!;
      const { state, firing } = step(alert, before, tick);
      if (firing) out.push(firing);
      if (state !== before) this.changed.add(id);
      this.scanned.delete(id);
      this.place(alert, state);
    }
  }

  private place(alert: Alert, state: AlertState): void {
    this.states.set(alert.id, state);
    if (state.phase === 'done') return;
    const lvl = trigger(alert.rule);
    if (!lvl) this.scanned.add(alert.id);
    else if (state.phase === 'armed') (lvl.up ? this.upLevels : this.downLevels).insert(lvl.level, alert.id);
    else (lvl.up ? this.rearmDown : this.rearmUp).insert(rearmLevel(alert, lvl), alert.id);
  }
}

/** The price that re-arms a fired level alert: the level less (up) or plus (down) the hysteresis gap. */
const rearmLevel = (a: Alert, lvl: { level: number; up: boolean }): number =>
  lvl.up ? lvl.level - lvl.level * a.hysteresis : lvl.level + lvl.level * a.hysteresis;

/** Levels ascending with their alert ids; removal by (level, id). */
class SortedLevels {
  private levels: number[] = [];
  private ids: string[] = [];

  insert(level: number, id: string): void {
    const i = this.upper(level);
    this.levels.splice(i, 0, level);
    this.ids.splice(i, 0, id);
  }

  delete(level: number, id: string): void {
    for (let i = this.lower(level); i < this.levels.length && this.levels[i] === level; i++) {
      if (this.ids[i] === id) {
        this.levels.splice(i, 1);
        this.ids.splice(i, 1);
        return;
      }
    }
  }

  /** Removes and returns ids with level ≤ price. */
  takeAtOrBelow(price: number): string[] {
    const k = this.upper(price);
    if (k === 0) return [];
    this.levels.splice(0, k);
    return this.ids.splice(0, k);
  }

  /** Removes and returns ids with level ≥ price. */
  takeAtOrAbove(price: number): string[] {
    const k = this.lower(price);
    if (k === this.levels.length) return [];
    this.levels.length = k;
    return this.ids.splice(k);
  }

  private lower(x: number): number {
    let lo = 0;
    let hi = this.levels.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.levels[m]! < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private upper(x: number): number {
    let lo = 0;
    let hi = this.levels.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.levels[m]! <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
}
