import { createEffect, createSignal, on, Show } from 'solid-js';
import { fmt, price, spoken } from '../format';
import type { MarketView } from '../workers/view';

/** A screen reader hears the price at most this often (a polite region, never a stream of ticks). */
const ANNOUNCE_MS = 30_000;

/** Last, bid, ask, spread and trade rate for one instrument. */
export function QuotePanel(props: { view: MarketView }) {
  const d = () => props.view.priceDecimals;
  const spread = () => (props.view.bid !== null && props.view.ask !== null ? props.view.ask - props.view.bid : null);
  const bps = () => {
    const s = spread();
    return s !== null && props.view.bid ? (s / ((props.view.ask! + props.view.bid) / 2)) * 1e4 : null;
  };
  const [announced, setAnnounced] = createSignal('');
  let lastAt = 0;
  createEffect(on(() => props.view.last?.price, (p) => {
    // for bench/workspace.bench.ts: the first price on screen (with chart-first-paint, the first meaningful paint)
    if (p !== undefined && !performance.getEntriesByName('price-first-paint').length) requestAnimationFrame(() => performance.mark('price-first-paint'));
    if (p === undefined || Date.now() - lastAt < ANNOUNCE_MS) return;
    lastAt = Date.now();
    setAnnounced(`${props.view.symbol} last price ${spoken(p, d())}`);
  }));
  return (
    <section class="quote" aria-label={`${props.view.symbol} quote`}>
      <div class="last" classList={{ up: props.view.last?.side === 'buy', down: props.view.last?.side === 'sell' }}>
        <span class="label" id="last-label">Last</span>
        <span class="value" data-testid="last-price" data-trade-id={props.view.last?.id ?? ''} role="img" aria-label={`last price ${spoken(props.view.last?.price, d())}${props.view.last ? `, ${props.view.last.side === 'buy' ? 'buyer' : 'seller'} initiated` : ''}`}>
          {price(props.view.last?.price, d())}
        </span>
        <Show when={props.view.last}>{(l) => <span class="sub">{fmt(l().amount, 5)} {l().side === 'buy' ? 'buy' : 'sell'}</span>}</Show>
        <span class="sr-only" aria-live="polite" data-testid="price-announcement">{announced()}</span>
      </div>
      <dl class="grid">
        <div><dt>Bid</dt><dd class="bid" data-testid="bid" aria-label={`bid ${spoken(props.view.bid, d())}`}>{price(props.view.bid, d())}</dd><dd class="sub">{fmt(props.view.bidSize, 5)}</dd></div>
        <div><dt>Ask</dt><dd class="ask" data-testid="ask" aria-label={`ask ${spoken(props.view.ask, d())}`}>{price(props.view.ask, d())}</dd><dd class="sub">{fmt(props.view.askSize, 5)}</dd></div>
        <div><dt>Spread</dt><dd data-testid="spread">{price(spread(), d())}</dd><dd class="sub">{fmt(bps(), 2)} bps</dd></div>
        <div><dt>Trades/s</dt><dd data-testid="tps">{fmt(props.view.tradesPerSecond, 1)}</dd><dd class="sub">5 s average</dd></div>
      </dl>
    </section>
  );
}
