import { For, Index, Show, type Accessor } from 'solid-js';
import { fmt as num, price } from '../format';
import type { DepthView, LadderRow } from '../workers/market-state';
import { VENUE_COLOUR } from './venues';
import type { Venue } from '../../shared/market/types';

/**
 * The consolidated book as a depth ladder: asks above, bids below, each row's bar split by venue in the
 * venue's colour and scaled to the deepest cumulative size shown.
 */
export function DepthLadder(props: { depth: DepthView; onPrice?: (price: number) => void }) {
  const fmt = (v: number, decimals?: number) => (decimals === undefined ? price(v, props.depth.priceDecimals) : num(v, decimals));
  const max = () => Math.max(props.depth.bids.at(-1)?.cum ?? 0, props.depth.asks.at(-1)?.cum ?? 0) || 1;
  // Rows by position (Index), not by object: every view posts new row objects, and re-creating 24 rows ten times a
  // second was most of the ladder's cost; in place, only the texts and widths that changed are written.
  const row = (r: Accessor<LadderRow>, side: 'bid' | 'ask') => (
    <tr class={side} data-price={r().price}>
      <td class="px">
        <Show when={props.onPrice} fallback={fmt(r().price)}>
          {(pick) => <button type="button" class="px-pick" title="alert at this price" onClick={() => pick()(r().price)}>{fmt(r().price)}</button>}
        </Show>
      </td>
      <td class="num">{fmt(r().size, 4)}</td>
      <td class="num muted">{fmt(r().cum, 4)}</td>
      <td class="bar" aria-label={Object.entries(r().venues).map(([v, s]) => `${v} ${fmt(s, 4)}`).join(', ')}>
        <Index each={Object.entries(r().venues) as [Venue, number][]}>
          {(e) => <span style={{ width: `${(e()[1] / max()) * 100}%`, background: VENUE_COLOUR[e()[0]] }} />}
        </Index>
      </td>
    </tr>
  );
  return (
    <section class="panel ladder" aria-label="consolidated order book" data-testid="ladder">
      <table>
        <thead><tr><th>Price</th><th>Size</th><th>Total</th><th>By venue</th></tr></thead>
        <tbody>
          <Index each={[...props.depth.asks].reverse()}>{(r) => row(r, 'ask')}</Index>
          <tr class="mid"><td colspan="4">spread {fmt((props.depth.asks[0]?.price ?? NaN) - (props.depth.bids[0]?.price ?? NaN))}</td></tr>
          <Index each={props.depth.bids}>{(r) => row(r, 'bid')}</Index>
        </tbody>
      </table>
      <p class="legend">
        <For each={props.depth.venues}>{(v) => <span><i style={{ background: VENUE_COLOUR[v] }} />{v}</span>}</For>
      </p>
    </section>
  );
}
