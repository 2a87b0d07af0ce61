import type { Adapter, Sink } from './adapter';
import type { HealthTable, Violation } from './health';

/**
 * Which book an unreadable frame was for, read from what is left of its text: a symbol, null for a frame
 * that carries no book (a trade, a quote), undefined when the text does not say.
 */
export type Locate = (frame: string) => string | null | undefined;

/**
 * The prologue of every adapter's `parse`: the frame as a JSON object or array, or undefined once it has
 * been reported and its book resynced — every book unless `locate` can tell which one it was for, since
 * any book may have lost an update to it.
 */
export function readFrame(adapter: Adapter, frame: string, sink: Sink, locate?: Locate): object | undefined {
  let m: unknown;
  try {
    m = JSON.parse(frame);
  } catch {
    return unusable(adapter, sink, 'frame is not JSON', frame, locate?.(frame));
  }
  if (m === null || typeof m !== 'object') return unusable(adapter, sink, 'frame is not a JSON object or array', frame, locate?.(frame));
  return m;
}

/**
 * A frame the adapter cannot use (unreadable, mutated, of an unknown shape or instrument): an error event,
 * and a resync of the book it may have changed — the instrument's when `symbol` names it, none when it is
 * null (the frame carries no book), every book when it is undefined. Not for the venue's own error replies,
 * which a resubscribe would only repeat. Returns undefined, so a parse can `return unusable(…)`.
 */
export function unusable(adapter: Adapter, sink: Sink, why: string, frame?: string, symbol?: string | null): undefined {
  sink.error(`${adapter.venue}: ${why}${frame === undefined ? '' : `: ${frame.slice(0, 80)}`}`, symbol ?? undefined);
  if (symbol !== null) adapter.resync(sink, why, symbol);
  return undefined;
}

/**
 * The first half of an in-band venue's `resync`: marks the books `symbol` names (every book when undefined)
 * as not good and their health as unreadable, and returns their symbols for the venue's resubscribe.
 */
export function invalidateBooks(table: HealthTable, books: ReadonlyMap<string, { good: boolean }>, reason: string, symbol?: string): string[] {
  const hit: string[] = [];
  for (const s of table.symbols()) {
    if (symbol !== undefined && s !== symbol) continue;
    markBad(books, s);
    table.invalidate(s, 'unreadable', reason);
    hit.push(s);
  }
  return hit;
}

/** The first half of an in-band venue's answer to a violation on one book (gap, checksum, crossed): the venue resubscribes it. */
export function failBook(table: HealthTable, books: ReadonlyMap<string, { good: boolean }>, symbol: string, kind: Violation, reason: string, sink: Sink): void {
  markBad(books, symbol);
  table.fail(symbol, kind, reason, sink);
}

function markBad(books: ReadonlyMap<string, { good: boolean }>, symbol: string): void {
  const st = books.get(symbol);
  if (st) st.good = false;
}
