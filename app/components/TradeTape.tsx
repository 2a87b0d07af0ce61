import { For } from 'solid-js';
import { clock, fmt, price, spoken, utc } from '../format';
import type { WireTrade } from '../../shared/protocol/messages';
import { VENUE_COLOUR } from './venues';

/** The latest trades across venues, newest first, in exchange time. */
export function TradeTape(props: { trades: WireTrade[]; decimals?: number | null }) {
  return (
    <section class="panel tape" aria-label="trade tape" data-testid="tape">
      <table>
        <thead><tr><th>Time</th><th>Venue</th><th>Price</th><th>Size</th></tr></thead>
        <tbody>
          <For each={props.trades}>
            {(t) => (
              <tr class={t.side === 'buy' ? 'up' : 'down'} data-trade-id={t.id}>
                <td class="muted"><time datetime={new Date(t.ts).toISOString()} title={utc(t.ts)}>{clock(t.ts)}</time></td>
                <td><i class="dot" aria-hidden="true" style={{ background: VENUE_COLOUR[t.venue] }} />{t.venue}</td>
                <td class="num" aria-label={`${t.side} at ${spoken(t.price, props.decimals)}`}>{price(t.price, props.decimals)}</td>
                <td class="num">{fmt(t.amount, 5)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}
