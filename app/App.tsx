import { createEffect, createSignal, onCleanup, Show } from 'solid-js';
import type { BandPoint } from '../shared/ml/band';
import { CandleChart } from './components/CandleChart';
import type { ChartEngine } from './components/chart/engine';
import { ConnectionBadge } from './components/ConnectionBadge';
import { CrossVenue } from './components/CrossVenue';
import { DepthLadder } from './components/DepthLadder';
import { TradeTape } from './components/TradeTape';
import { attachForecastBand } from './components/forecast-overlay';
import { ForecastPanel } from './components/ForecastPanel';
import { QuotePanel } from './components/QuotePanel';
import { VenueHealth } from './components/VenueHealth';
import { AccountNav, AccountPages } from './pages/AccountArea';
import { createForecast } from './stores/forecast';
import { createMarket } from './stores/market';
import { createRoute } from './stores/route';
import { createSession } from './stores/session';

export function App() {
  const market = createMarket('BTC-USDT');
  const forecast = createForecast('binance:BTC-USDT');
  // Each candle push may close a minute: hand the forecaster the closed 1-minute bars it has not seen, once
  // its panel has been shown and the model loaded (feeding it earlier would load ML before it is wanted).
  createEffect(() => {
    if (market.candles() && forecast.info()) void market.api.closedMinutes(forecast.since(), 600).then(forecast.feedMinutes);
  });
  // The 5-minute forecast band over the candles, redrawn whenever a forecast arrives.
  let drawBand: ((points: readonly BandPoint[]) => void) | undefined;
  const drawForecast = (engine: ChartEngine) => {
    drawBand = attachForecastBand(engine, '5 min');
    drawBand(forecast.bands()[0] ?? []);
  };
  createEffect(() => drawBand?.(forecast.bands()[0] ?? []));
  const session = createSession();
  const nav = createRoute();
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  // Why the numbers are not live, in words: the browser's own link first, then the venue feed at the edge.
  const problem = () => {
    const v = market.view();
    if (!v) return null;
    if (v.reason) return v.reason;
    const f = v.feed;
    return f && f.state !== 'live' ? `Binance feed ${f.state}${f.reason ? `: ${f.reason}` : ''} (${f.reconnects} reconnects)` : null;
  };
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
      <Show when={market.view()}>{(v) => <VenueHealth feeds={v().feeds} now={now()} />}</Show>
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
      <CandleChart candles={market.candles()} interval={market.interval()} onInterval={market.chooseInterval} onEngine={drawForecast} older={market.older} />
      <ForecastPanel info={forecast.info()} latest={forecast.latest()} warmup={forecast.warmup()} error={forecast.error()} onShow={() => forecast.start()} />
      <Show when={problem()}>{(r) => <p class="reason" role="note" data-testid="reason">{r()}</p>}</Show>
    </main>
  );
}
