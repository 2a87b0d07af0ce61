import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarketEvent } from '../../shared/market/types';
import { toBybitV5 } from '../../tools/bybit-v5';
import { toKrakenV2 } from '../../tools/kraken-v2';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import type { Session, VenuePlugin } from '../../tools/fake-exchange/venue';
import { DATA_DIR } from '../../tools/paths';
import type { Adapter, Sink } from '../../worker/ingest/adapter';
import { recording } from './recordings';

/** Everything an adapter handed its sink. */
export interface Run {
  events: MarketEvent[];
  errors: { message: string; symbol?: string }[];
  sent: string[];
}

export const newRun = (): Run => ({ events: [], errors: [], sent: [] });

export const sinkInto = (run: Run, send?: (frame: string) => void): Sink => ({
  event: (e) => run.events.push(e),
  error: (message, symbol) => run.errors.push({ message, symbol }),
  send: (f) => {
    run.sent.push(f);
    send?.(f);
  },
  snapshot: () => {},
});

/** Several recordings made side by side (one socket each), merged by receive time. */
export const merged = (...files: string[]): RecordedFrame[] => files.flatMap((f) => recording(f)).sort((a, b) => a.t - b.t);

/** Feeds recorded frames straight into an adapter. */
export function feed(adapter: Adapter, frames: readonly RecordedFrame[], run = newRun()): Run {
  const sink = sinkInto(run);
  for (const r of frames) adapter.parse(r.frame, r.t, sink);
  return run;
}

/** What a fault does to the n-th frame the client would have received that matches: drop it, alter it, or swap it with the next. */
export interface Fault {
  match: (frame: string) => boolean;
  nth: number;
  kind: 'drop' | 'reorder' | { replace: (frame: string) => string };
}

/**
 * The replay loop of the fake exchange, synchronously and without sockets: the plug-in answers the
 * adapter's subscribe and resync messages (delivered before the next recorded frame, as a reply arrives
 * after the frame that caused it), picks each recorded frame for the client, the fault is applied on the
 * way, and the adapter parses what arrives. Returns the run and the health after each frame.
 */
export function replayThrough(plugin: VenuePlugin<unknown>, adapter: Adapter, frames: readonly RecordedFrame[], fault?: Fault) {
  const run = newRun();
  let now = 0;
  const replies: string[] = [];
  const session: Session<unknown> = {
    url: new URL('ws://fake/'),
    state: undefined,
    send: (text) => replies.push(text),
    close: () => {},
  };
  const sink = sinkInto(run, (f) => plugin.onMessage(session, f));
  const path = new URL(adapter.url('ws://fake'));
  session.state = plugin.accept(path);
  if (session.state === undefined) throw new Error(`plug-in refused ${path.href}`);
  for (const m of adapter.subscribeMessages()) plugin.onMessage(session, m);
  const states: string[] = [];
  let seen = 0;
  let held: string | undefined;
  for (const rec of frames) {
    now = rec.t;
    for (const r of replies.splice(0)) adapter.parse(r, now, sink);
    plugin.observe(rec);
    let out = plugin.frameFor(session, rec);
    if (out === undefined) continue;
    if (fault && fault.match(out) && ++seen === fault.nth) {
      if (fault.kind === 'drop') continue;
      if (fault.kind === 'reorder') {
        held = out;
        continue;
      }
      out = fault.kind.replace(out);
    }
    adapter.parse(out, now, sink);
    if (held !== undefined && fault?.match(out)) {
      adapter.parse(held, now, sink);
      held = undefined;
    }
    states.push(adapter.health().map((h) => `${h.symbol}:${h.state}`).join(' '));
  }
  return { run, states };
}

/** The response bodies of a cryptofeed REST capture (`<url> -> <ts>: <body>` lines). */
export function restBodies(rel: string): { url: string; body: string }[] {
  const out: { url: string; body: string }[] = [];
  for (const line of readFileSync(join(DATA_DIR, rel), 'utf8').split('\n')) {
    const m = /^(\S+) -> [\d.]+: /.exec(line);
    if (m) out.push({ url: m[1]!, body: line.slice(m[0].length) });
  }
  return out;
}

export const BYBIT_PERPS = ['BCH', 'XTZ', 'UNI', 'LTC', 'DOT', 'LINK', 'ADA', 'ETH'].map((b) => `${b}-USDT-PERP`);

/** The real 2021 v2 recording as v5 frames (tools/bybit-v5.ts documents the conversion). */
export const bybitV5 = (file = 'cryptofeed/BYBIT.ws.25.0'): RecordedFrame[] => toBybitV5(recording(file));

export const KRAKEN_V1 = ['cryptofeed/KRAKEN.ws.48.0', 'cryptofeed/KRAKEN.ws.49.0', 'cryptofeed/KRAKEN.ws.50.0'];
/** The three real Kraken v1 sockets, merged, as v2 frames (tools/kraken-v2.ts documents the conversion). */
export const krakenV2 = (): RecordedFrame[] => toKrakenV2(merged(...KRAKEN_V1));
