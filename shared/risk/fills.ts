import type { Side, Venue } from '../market/types';
import { parseTimestamp } from '../market/time';
import { VENUES } from '../market/types';

/** One execution as a trader's broker or exchange reports it. */
export interface Fill {
  ts: number;
  exchange: Venue;
  symbol: string;
  side: Side;
  price: number;
  amount: number;
  /** Fee in quote currency (positive = paid). */
  fee: number;
  id?: string;
}

export interface RowError {
  /** 1-based line in the file, header included. */
  line: number;
  message: string;
}

export type ImportResult = { ok: true; fills: Fill[] } | { ok: false; errors: RowError[] };

const HEADER = ['timestamp', 'exchange', 'symbol', 'side', 'price', 'amount'];
const SYMBOL = /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}(-(PERP|\d{6}))?$/;
export const MAX_FILL_ROWS = 100_000;

/**
 * Reads a CSV of fills: `timestamp,exchange,symbol,side,price,amount[,fee][,id]`. Every bad row is
 * reported with its line and reason, and then nothing is imported: a half-imported book of fills
 * gives wrong cost bases without saying so.
 */
export function parseFillsCsv(text: string): ImportResult {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const missing = HEADER.filter((h) => !header.includes(h));
  if (missing.length) return { ok: false, errors: [{ line: 1, message: `header lacks ${missing.join(', ')}` }] };
  const col = (name: string) => header.indexOf(name);
  const [iTs, iEx, iSym, iSide, iPrice, iAmt, iFee, iId] = [...HEADER, 'fee', 'id'].map(col) as number[];
  const fills: Fill[] = [];
  const errors: RowError[] = [];
  const seen = new Set<string>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (!line.trim()) continue;
    if (fills.length + errors.length >= MAX_FILL_ROWS) {
      errors.push({ line: n + 1, message: `more than ${MAX_FILL_ROWS} rows` });
      break;
    }
    const f = line.split(',').map((c) => c.trim());
    const problems: string[] = [];
    const ts = tryTimestamp(f[iTs!] ?? '');
    if (ts === undefined) problems.push(`timestamp "${f[iTs!] ?? ''}" is not Unix ms, Unix s or ISO 8601`);
    const exchange = (f[iEx!] ?? '').toLowerCase();
    if (!(VENUES as readonly string[]).includes(exchange)) problems.push(`unknown exchange "${f[iEx!] ?? ''}"`);
    const symbol = (f[iSym!] ?? '').toUpperCase();
    if (!SYMBOL.test(symbol)) problems.push(`symbol "${f[iSym!] ?? ''}" is not canonical (e.g. BTC-USDT)`);
    const side = (f[iSide!] ?? '').toLowerCase();
    if (side !== 'buy' && side !== 'sell') problems.push(`side "${f[iSide!] ?? ''}" is not buy or sell`);
    const price = Number(f[iPrice!]);
    if (!(price > 0) || !Number.isFinite(price)) problems.push(`price "${f[iPrice!] ?? ''}" is not a positive number`);
    const amount = Number(f[iAmt!]);
    if (!(amount > 0) || !Number.isFinite(amount)) problems.push(`amount "${f[iAmt!] ?? ''}" is not a positive number`);
    const fee = iFee! >= 0 && f[iFee!] ? Number(f[iFee!]) : 0;
    if (!Number.isFinite(fee)) problems.push(`fee "${f[iFee!]}" is not a number`);
    const id = iId! >= 0 && f[iId!] ? f[iId!] : undefined;
    if (id !== undefined && seen.has(id)) problems.push(`fill id ${id} appears twice`);
    if (id !== undefined) seen.add(id);
    if (problems.length) errors.push({ line: n + 1, message: problems.join('; ') });
    else fills.push({ ts: ts!, exchange: exchange as Venue, symbol, side: side as Side, price, amount, fee, ...(id ? { id } : {}) });
  }
  if (errors.length) return { ok: false, errors };
  fills.sort((a, b) => a.ts - b.ts);
  return { ok: true, fills };
}

function tryTimestamp(s: string): number | undefined {
  try {
    return parseTimestamp(s);
  } catch {
    return undefined;
  }
}
