import { For, Show } from 'solid-js';
import { price } from '../format';
import type { CrossBbo } from '../../shared/protocol/messages';
import type { Venue } from '../../shared/market/types';
import { VENUE_COLOUR } from './venues';

/** Best bid and ask per venue, the best across them, the cross-venue spread and a crossed-market flag. */
export function CrossVenue(props: { cross: CrossBbo; decimals?: number | null }) {
  const fmt = (v: number) => price(v, props.decimals);
  const rows = () => Object.entries(props.cross.venues) as [Venue, NonNullable<CrossBbo['venues'][Venue]>][];
  return (
    <section class="panel cross" aria-label="best bid and offer by venue" data-testid="cross">
      <table>
        <thead><tr><th>Venue</th><th>Bid</th><th>Ask</th><th>Spread</th></tr></thead>
        <tbody>
          <For each={rows()}>
            {([v, q]) => (
              <tr>
                <td><i class="dot" aria-hidden="true" style={{ background: VENUE_COLOUR[v] }} />{v}</td>
                <td class="num up" classList={{ best: props.cross.bidVenue === v }}>{fmt(q.bid)}</td>
                <td class="num down" classList={{ best: props.cross.askVenue === v }}>{fmt(q.ask)}</td>
                <td class="num">{fmt(q.ask - q.bid)}</td>
              </tr>
            )}
          </For>
        </tbody>
        <tfoot>
          <tr>
            <td>All venues</td>
            <td class="num up">{fmt(props.cross.bid)}</td>
            <td class="num down">{fmt(props.cross.ask)}</td>
            <td class="num" data-testid="cross-spread">{fmt(props.cross.spread)}</td>
          </tr>
        </tfoot>
      </table>
      <p class="sub">
        VWAP (UTC day) {fmt(props.cross.vwap)}
        <Show when={props.cross.crossed}>
          <strong class="crossed" data-testid="crossed"> · CROSSED: bid on {props.cross.bidVenue} ≥ ask on {props.cross.askVenue}</strong>
        </Show>
      </p>
    </section>
  );
}
