import { createSignal, onCleanup, Show } from 'solid-js';
import { CandleChart } from './components/CandleChart';
import { ConnectionBadge } from './components/ConnectionBadge';
import { CrossVenue } from './components/CrossVenue';
import { DepthLadder } from './components/DepthLadder';
import { TradeTape } from './components/TradeTape';
import { QuotePanel } from './components/QuotePanel';
import { createMarket } from './stores/market';

export function App() {
  const market = createMarket('BTC-USDT');
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  return (
    <main class="app">
      <header>
        <h1>edgetape</h1>
        <span class="instrument">BTC-USDT · Binance</span>
        <Show when={market.view()} fallback={<span class="badge badge-connecting" data-testid="link-badge" data-state="connecting">LOADING</span>}>
          {(v) => <ConnectionBadge link={v().link} mode={v().mode} lastDataAt={v().lastDataAt} offlineSince={v().offlineSince} now={now()} />}
        </Show>
      </header>
      <Show when={market.view()}>{(v) => <QuotePanel view={v()} />}</Show>
      <Show when={market.view()?.depth}>
        {(d) => (
          <div class="depth">
            <DepthLadder depth={d()} />
            <div class="side">
              <Show when={d().cross}>{(c) => <CrossVenue cross={c()} />}</Show>
              <TradeTape trades={d().tape} />
            </div>
          </div>
        )}
      </Show>
      <CandleChart candles={market.candles()} />
      <Show when={market.view()?.reason}>{(r) => <p class="reason" role="note">{r()}</p>}</Show>
    </main>
  );
}
