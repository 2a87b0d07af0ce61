import type { Adapter, Sink } from './adapter';

/**
 * The prologue of every adapter's `parse`: the frame as a JSON object or array, or undefined once it has
 * been reported and every book resynced — an unreadable frame names no instrument, so any book may have
 * lost an update to it.
 */
export function readFrame(adapter: Adapter, frame: string, sink: Sink): object | undefined {
  let m: unknown;
  try {
    m = JSON.parse(frame);
  } catch {
    return unusable(adapter, sink, 'frame is not JSON', frame);
  }
  if (m === null || typeof m !== 'object') return unusable(adapter, sink, 'frame is not a JSON object or array', frame);
  return m;
}

/**
 * A frame the adapter cannot use (unreadable, mutated, of an unknown shape or instrument): an error event,
 * and a resync of the book it may have changed — the instrument's when `symbol` names it, every book when
 * nothing does. Not for the venue's own error replies, which a resubscribe would only repeat. Returns
 * undefined, so a parse can `return unusable(…)`.
 */
export function unusable(adapter: Adapter, sink: Sink, why: string, frame?: string, symbol?: string): undefined {
  sink.error(`${adapter.venue}: ${why}${frame === undefined ? '' : `: ${frame.slice(0, 80)}`}`, symbol);
  adapter.resync(sink, why, symbol);
  return undefined;
}
