import { Show } from 'solid-js';
import { fmt } from '../format';
import type { MarketView } from '../workers/view';

/** Last, bid, ask, spread and trade rate for one instrument. */
export function QuotePanel(props: { view: MarketView }) {
  const spread = () => (props.view.bid !== null && props.view.ask !== null ? props.view.ask - props.view.bid : null);
  const bps = () => {
    const s = spread();
    return s !== null && props.view.bid ? (s / ((props.view.ask! + props.view.bid) / 2)) * 1e4 : null;
  };
  return (
    <section class="quote" aria-label={`${props.view.symbol} quote`}>
      <div class="last" classList={{ up: props.view.last?.side === 'buy', down: props.view.last?.side === 'sell' }}>
        <span class="label">Last</span>
        <span class="value" data-testid="last-price" data-trade-id={props.view.last?.id ?? ''} aria-label={`last price ${fmt(props.view.last?.price)}`}>
          {fmt(props.view.last?.price)}
        </span>
        <Show when={props.view.last}>{(l) => <span class="sub">{fmt(l().amount, 5)} {l().side === 'buy' ? 'buy' : 'sell'}</span>}</Show>
      </div>
      <dl class="grid">
        <div><dt>Bid</dt><dd class="bid" data-testid="bid">{fmt(props.view.bid)}</dd><dd class="sub">{fmt(props.view.bidSize, 5)}</dd></div>
        <div><dt>Ask</dt><dd class="ask" data-testid="ask">{fmt(props.view.ask)}</dd><dd class="sub">{fmt(props.view.askSize, 5)}</dd></div>
        <div><dt>Spread</dt><dd data-testid="spread">{fmt(spread())}</dd><dd class="sub">{fmt(bps(), 2)} bps</dd></div>
        <div><dt>Trades/s</dt><dd data-testid="tps">{fmt(props.view.tradesPerSecond, 1)}</dd><dd class="sub">5 s average</dd></div>
      </dl>
    </section>
  );
}
