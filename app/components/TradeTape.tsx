import { createMemo, For } from 'solid-js';
import { clock, fmt, price, spoken, utc } from '../format';
import type { WireTrade } from '../../shared/protocol/messages';
import type { TapeHole, TapeRow } from '../workers/market-state';
import { VENUE_COLOUR } from './venues';

/** The latest trades across venues, newest first, in exchange time; where a venue's trades were lost, a row says so. */
export function TradeTape(props: { trades: TapeRow[]; decimals?: number | null }) {
  // Every view posts the tape as new objects; a row already on screen keeps its first object, so <For> renders
  // only the trades that are new (a trade or hole never changes once posted).
  let seen = new Map<string, TapeRow>();
  const rows = createMemo(() => {
    const next = new Map<string, TapeRow>();
    const out = props.trades.map((r) => {
      const k = 'hole' in r ? `hole ${r.venue} ${r.after} ${r.since} ${r.until} ${r.missed ?? ''}` : `${r.venue} ${r.id}`;
      const kept = seen.get(k) ?? r;
      next.set(k, kept);
      return kept;
    });
    seen = next;
    return out;
  });
  return (
    <section class="panel tape" aria-label="trade tape" data-testid="tape">
      <table>
        <thead><tr><th>Time</th><th>Venue</th><th>Price</th><th>Size</th></tr></thead>
        <tbody>
          {/* A row's object never changes (the tape is rebuilt, not edited), so the choice is made once. */}
          <For each={rows()}>{(t) => ('hole' in t ? <Hole h={t} /> : <Trade t={t} decimals={props.decimals} />)}</For>
        </tbody>
      </table>
    </section>
  );
}

function Trade(props: { t: WireTrade; decimals?: number | null }) {
  const t = props.t;
  return (
    <tr class={t.side === 'buy' ? 'up' : 'down'} data-trade-id={t.id}>
      <td class="muted"><time datetime={new Date(t.ts).toISOString()} title={utc(t.ts)}>{clock(t.ts)}</time></td>
      <td><i class="dot" aria-hidden="true" style={{ background: VENUE_COLOUR[t.venue] }} />{t.venue}</td>
      <td class="num" aria-label={`${t.side} at ${spoken(t.price, props.decimals)}`}>{price(t.price, props.decimals)}</td>
      <td class="num">{fmt(t.amount, 5)}</td>
    </tr>
  );
}

function Hole(props: { h: TapeHole }) {
  const h = props.h;
  const what = h.missed !== undefined ? `${h.missed} ${h.venue} trade${h.missed === 1 ? '' : 's'} missed` : `${h.venue} reconnected: trades may be missing`;
  return (
    <tr class="hole" data-hole={h.venue}>
      <td colSpan={4} title={`${utc(h.since)} – ${utc(h.until)}`}>⚠ {what}</td>
    </tr>
  );
}
