import { createEffect, createMemo, createSignal, on, onCleanup, Show } from 'solid-js';
import type { Venue } from '../shared/market/types';
import type { BandPoint } from '../shared/ml/band';
import type { ChartEngine } from './components/chart/engine';
import { ConnectionBadge } from './components/ConnectionBadge';
import { attachForecastBand } from './components/forecast-overlay';
import { homeVenue, VENUE_NAMES } from './components/venues';
import { Settings } from './components/Settings';
import { AccountNav, AccountPages } from './pages/AccountArea';
import { createAlerts } from './stores/alerts';
import { createExchanges } from './stores/exchanges';
import { FOCUS_KEY, storedFocus } from './stores/focus';
import { createForecast } from './stores/forecast';
import { createMarket } from './stores/market';
import { createPortfolio } from './stores/portfolio';
import { createRoute } from './stores/route';
import { createSession } from './stores/session';
import { createWatch } from './stores/watch';
import { createWorkspace } from './stores/workspace';
import { LayoutBar } from './workspace/LayoutBar';
import type { PanelContext } from './workspace/panels';
import { WorkspaceView } from './workspace/Workspace';


export function App() {
  const session = createSession();
  const nav = createRoute();
  const workspace = createWorkspace(session);
  // The focused instrument (and the venue whose quote and candles show it) is this device's: a watchlist click
  // shows it in every panel here, not on the user's other screens.
  const [target, setTarget] = createSignal(storedFocus());
  const focused = () => target().symbol;
  const focus = async (symbol: string) => {
    const next = { symbol, venue: await homeVenue(symbol) };
    setTarget(next);
    localStorage.setItem(FOCUS_KEY, JSON.stringify(next));
  };
  const market = createMarket(target);
  const forecast = createForecast(() => `${target().venue}:${focused()}`);
  const watch = createWatch(() => workspace.prefs().watchlists[0]?.symbols ?? []);
  const exchanges = createExchanges();
  const alerts = createAlerts(session);
  const portfolio = createPortfolio(session);
  // The 60-minute forecast (when one exists) adds forecast VaR to the portfolio's risk measures.
  createEffect(() => {
    const q = forecast.latest()?.horizons.find((h) => h.minutes === 60)?.quantiles;
    if (q) portfolio.useForecast(focused(), q);
  });
  // Each candle push may close a minute: hand the forecaster the closed 1-minute bars it has not seen, once
  // its panel has been shown and the model loaded (feeding it earlier would load ML before it is wanted).
  createEffect(() => {
    if (market.candles() && forecast.info()) void market.api()?.closedMinutes(forecast.since(), 600).then(forecast.feedMinutes);
  });
  // The chart interval stored with the account's chart layout applies when it arrives or changes.
  const storedInterval = createMemo(() => (session.user() ? session.prefs()?.prefs.layouts[0]?.interval : undefined));
  createEffect(on(storedInterval, (i) => i && market.chooseInterval(i), { defer: true }));
  /** The chart and the ladder call this: an alert at the price pointed at, confirmed on the alerts page. */
  const onCreateAlertAt = (price: number) => {
    alerts.onCreateAlertAt(price, focused());
    nav.go('alerts');
  };
  // The 5-minute forecast band over the candles, redrawn whenever a forecast arrives.
  let drawBand: ((points: readonly BandPoint[]) => void) | undefined;
  const onChartEngine = (engine: ChartEngine) => {
    drawBand = attachForecastBand(engine, '5 min');
    engine.onPricePick((price) => session.user() && onCreateAlertAt(price));
    drawBand(forecast.bands()[0] ?? []);
  };
  // Read the bands before the call: `drawBand?.(…)` would skip the read (and the tracking) until the chart exists.
  createEffect(() => {
    const points = forecast.bands()[0] ?? [];
    drawBand?.(points);
  });
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  // Why the numbers are not live, in words: the browser's own link first, then the venue feed at the edge.
  const problem = () => {
    const v = market.view();
    if (!v) return null;
    if (v.reason) return v.reason;
    const f = v.feed;
    return f && f.state !== 'live' ? `${VENUE_NAMES[target().venue]} feed ${f.state}${f.reason ? `: ${f.reason}` : ''} (${f.reconnects} reconnects)` : null;
  };
  const ctx: PanelContext = { market, forecast, watch, workspace, session, route: nav.route, exchanges, alerts, portfolio, now, focus, onChartEngine, onCreateAlertAt };
  return (
    <main class="app">
      <header class="top">
        <h1>edgetape</h1>
        <span class="instrument" data-testid="focused-symbol">{focused()} · {VENUE_NAMES[target().venue]}</span>
        <Show when={market.view()} fallback={<span class="badge badge-connecting" data-testid="link-badge" data-state="connecting">LOADING</span>}>
          {(v) => <ConnectionBadge link={v().link} mode={v().mode} lastDataAt={v().lastDataAt} offlineSince={v().offlineSince} now={now()} />}
        </Show>
        <AccountNav session={session} alerts={alerts} />
        <Settings session={session} market={market} />
      </header>
      <AccountPages session={session} nav={nav} symbol={focused()} alerts={alerts} lastPrice={market.view()?.last?.price} portfolio={portfolio} />
      <div class="market" hidden={nav.route() !== 'market'}>
        <LayoutBar store={workspace} ctx={ctx} />
        <Show when={problem()}>{(r) => <p class="reason" role="note" data-testid="reason">{r()}</p>}</Show>
        <WorkspaceView ctx={ctx} />
      </div>
    </main>
  );
}
