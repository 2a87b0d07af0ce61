import { z } from 'zod';
import { Symbol } from '../account/schema';
import { VENUES } from '../market/types';
import type { Position } from './positions';
import type { Exposure } from './portfolio';
import type { AlertState, Firing } from './alerts';
import type { AnyRule } from './rules';

/**
 * What crosses the API edge about portfolios and alerts: zod schemas the Worker validates with and the
 * app takes its types from. Fractions are fractions (0.02 = 2 %), prices are in the quote currency.
 */
const Price = z.number().finite().positive();
const Fraction = (max: number) => z.number().finite().positive().max(max);
const WindowMs = z.number().int().min(1_000).max(7 * 86_400_000);
const Side = z.enum(['long', 'short']);

export const Rule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('cross'), direction: z.enum(['above', 'below']), level: Price }),
  // Set on a held position: its venue names it; side and size come from the position (a stated side must match).
  z.strictObject({ kind: z.literal('stop'), exchange: z.enum(VENUES), position: Side.optional(), level: Price }),
  z.strictObject({ kind: z.literal('take'), exchange: z.enum(VENUES), position: Side.optional(), level: Price }),
  z.strictObject({ kind: z.literal('trailing'), exchange: z.enum(VENUES), position: Side.optional(), distance: Fraction(0.5) }),
  z.strictObject({ kind: z.literal('move'), pct: Fraction(1), windowMs: WindowMs }),
  z.strictObject({ kind: z.literal('vol'), threshold: Fraction(1), windowMs: WindowMs }),
  z.strictObject({ kind: z.literal('health'), exchange: z.enum(VENUES).optional(), maxSpreadBps: z.number().finite().positive().max(10_000).optional() }),
  z.strictObject({ kind: z.literal('limit'), measure: z.enum(['var', 'drawdown', 'exposure']), threshold: z.number().finite().positive() }),
]);

export const NewAlert = z.strictObject({
  /** Portfolio limits span instruments: their symbol is ignored (stored as `*`). */
  symbol: Symbol.or(z.literal('*')),
  rule: Rule,
  /** Re-arm gap as a fraction of the level (repeating rules). */
  hysteresis: z.number().finite().min(0).max(0.2).default(0.001),
  note: z.string().trim().max(120).optional(),
}).refine((a) => a.rule.kind === 'limit' || a.symbol !== '*', { message: 'an instrument alert needs a symbol', path: ['symbol'] });
export type NewAlert = z.input<typeof NewAlert>;

export const AlertId = z.strictObject({ userId: z.string().max(64), id: z.string().regex(/^a_[0-9a-f]{16}$/, 'an alert id such as a_0123456789abcdef') });

export const ManualFill = z.strictObject({
  ts: z.number().int().positive().optional(),
  exchange: z.enum(VENUES),
  symbol: Symbol,
  side: z.enum(['buy', 'sell']),
  price: Price,
  amount: z.number().finite().positive(),
  fee: z.number().finite().min(0).default(0),
});

export const PortfolioQuery = z.object({ method: z.enum(['fifo', 'average']).optional() });
export const PortfolioSettings = z.strictObject({
  method: z.enum(['fifo', 'average']).optional(),
  /** Starting capital the equity curve and drawdown are measured on. */
  capital: z.number().finite().positive().max(1e12).optional(),
});
export type PortfolioSettings = z.infer<typeof PortfolioSettings>;

export const Ack = z.strictObject({ alertId: z.string().min(1).max(64), n: z.number().int().positive() });
export const Webhook = z.strictObject({ url: z.string().url().max(2048), secret: z.string().min(16).max(256) });
export const PushSub = z.strictObject({
  endpoint: z.string().url().max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/), auth: z.string().regex(/^[A-Za-z0-9_-]{16,30}$/) }),
});

export interface StoredAlert {
  id: string;
  symbol: string;
  rule: AnyRule;
  hysteresis: number;
  note: string | null;
  createdAt: number;
  state: AlertState | null;
}

export interface DeliveredFiring extends Firing {
  symbol: string;
  rule: AnyRule | null;
  /** Stops and take-profits: the position's P&L marked at the firing price (quote currency). */
  pnl?: number;
}

export interface InboxEntry {
  firing: DeliveredFiring;
  receivedAt: number;
  ackedAt: number | null;
}

export interface PositionRow extends Position {
  mark: number | null;
  entry: number;
  unrealized: number | null;
}

export interface PortfolioReport {
  method: 'fifo' | 'average';
  capital: number;
  positions: PositionRow[];
  pnl: { realized: number; fees: number; unrealized: number; total: number };
  exposure: Exposure;
  /** (Unix ms, equity) marked each minute at the edge, plus now. */
  equity: [number, number][];
  drawdown: { current: number; max: number };
  /** Symbols held whose mark is unknown (no trade or book yet): left out of P&L and exposure, not guessed. */
  unmarked: string[];
}

export type NotifyServerMsg =
  | { t: 'firing'; firing: DeliveredFiring; receivedAt: number }
  | { t: 'acked'; alertId: string; n: number }
  | { t: 'error'; code: string; message: string };
