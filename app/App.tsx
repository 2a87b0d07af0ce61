import { createSignal, onCleanup, Show } from 'solid-js';
import { CandleChart } from './components/CandleChart';
import { ConnectionBadge } from './components/ConnectionBadge';
import { QuotePanel } from './components/QuotePanel';
import { AccountNav, AccountPages } from './pages/AccountArea';
import { createMarket } from './stores/market';
import { createRoute } from './stores/route';
import { createSession } from './stores/session';

export function App() {
  const market = createMarket('BTC-USDT');
  const session = createSession();
  const nav = createRoute();
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
        <AccountNav session={session} />
      </header>
      <AccountPages session={session} nav={nav} symbol="BTC-USDT" />
      <Show when={market.view()}>{(v) => <QuotePanel view={v()} />}</Show>
      <CandleChart candles={market.candles()} />
      <Show when={market.view()?.reason}>{(r) => <p class="reason" role="note">{r()}</p>}</Show>
    </main>
  );
}
