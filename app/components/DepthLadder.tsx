import { For, Show } from 'solid-js';
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
  const row = (r: LadderRow, side: 'bid' | 'ask') => (
    <tr class={side} data-price={r.price}>
      <td class="px">
        <Show when={props.onPrice} fallback={fmt(r.price)}>
          {(pick) => <button type="button" class="px-pick" title="alert at this price" onClick={() => pick()(r.price)}>{fmt(r.price)}</button>}
        </Show>
      </td>
      <td class="num">{fmt(r.size, 4)}</td>
      <td class="num muted">{fmt(r.cum, 4)}</td>
      <td class="bar" aria-label={Object.entries(r.venues).map(([v, s]) => `${v} ${fmt(s, 4)}`).join(', ')}>
        <For each={Object.entries(r.venues) as [Venue, number][]}>
          {([v, s]) => <span style={{ width: `${(s / max()) * 100}%`, background: VENUE_COLOUR[v] }} />}
        </For>
      </td>
    </tr>
  );
  return (
    <section class="panel ladder" aria-label="consolidated order book" data-testid="ladder">
      <table>
        <thead><tr><th>Price</th><th>Size</th><th>Total</th><th>By venue</th></tr></thead>
        <tbody>
          <For each={[...props.depth.asks].reverse()}>{(r) => row(r, 'ask')}</For>
          <tr class="mid"><td colspan="4">spread {fmt((props.depth.asks[0]?.price ?? NaN) - (props.depth.bids[0]?.price ?? NaN))}</td></tr>
          <For each={props.depth.bids}>{(r) => row(r, 'bid')}</For>
        </tbody>
      </table>
      <p class="legend">
        <For each={props.depth.venues}>{(v) => <span><i style={{ background: VENUE_COLOUR[v] }} />{v}</span>}</For>
      </p>
    </section>
  );
}
