import { Show, type JSX } from 'solid-js';
import type { PanelId } from '../../shared/account/schema';
import { CandleChart } from '../components/CandleChart';
import type { ChartEngine } from '../components/chart/engine';
import type { BadgeInput } from './state';
import { AlertsPanel } from '../components/AlertsPanel';
import { CrossVenue } from '../components/CrossVenue';
import { DepthLadder } from '../components/DepthLadder';
import { ForecastPanel } from '../components/ForecastPanel';
import { PortfolioPanel } from '../components/PortfolioPanel';
import { QuotePanel } from '../components/QuotePanel';
import { TradeTape } from '../components/TradeTape';
import { VenueHealth } from '../components/VenueHealth';
import { Watchlist } from '../components/Watchlist';
import type { Alerts } from '../stores/alerts';
import type { createExchanges } from '../stores/exchanges';
import type { createForecast } from '../stores/forecast';
import type { Market } from '../stores/market';
import type { PortfolioStore } from '../stores/portfolio';
import type { Route } from '../stores/route';
import type { Session } from '../stores/session';
import type { Watch } from '../stores/watch';
import type { WorkspaceStore } from '../stores/workspace';
import { marketState, watchState } from './state';

/** What every panel may read: the stores of the page, the clock and the one action that spans panels. */
export interface PanelContext {
  market: Market;
  forecast: ReturnType<typeof createForecast>;
  watch: Watch;
  workspace: WorkspaceStore;
  session: Session;
  /** The page shown: the portfolio and alerts have pages of their own, and are not drawn twice. */
  route: () => Route;
  exchanges: ReturnType<typeof createExchanges>;
  alerts: Alerts;
  portfolio: PortfolioStore;
  now: () => number;
  /** Shows `symbol` in every panel. */
  focus: (symbol: string) => void;
  /** Draws the forecast band on the chart once its engine exists. */
  onChartEngine: (engine: ChartEngine) => void;
  /** An alert at a price picked on the chart or the ladder. */
  onCreateAlertAt: (price: number) => void;
}

export interface PanelDef {
  title: (ctx: PanelContext) => string;
  /** The short name on a tablet's tab. */
  tab: string;
  body: (ctx: PanelContext) => JSX.Element;
  /** The state of the panel's numbers; absent for panels without market data. */
  state?: (ctx: PanelContext) => BadgeInput | null;
  /** For consolidated figures: the venues in them. */
  venues?: (ctx: PanelContext) => string[];
}

/** What a panel that needs an account shows to a signed-out trader. */
const signIn = (what: string) => <p class="muted">Sign in to see {what}. <a href="#/signin">Sign in</a></p>;
/** An account panel, drawn only on the market page (its own page shows it otherwise) and only when signed in. */
const account = (ctx: PanelContext, what: string, body: () => JSX.Element) => (
  <Show when={ctx.route() === 'market'}>
    <Show when={ctx.session.user()} fallback={signIn(what)}>{body()}</Show>
  </Show>
);

const waiting = (what: string) => <p class="muted">Waiting for {what}…</p>;
const homeVenue = (ctx: PanelContext) => [ctx.market.view()?.exchange ?? 'binance'];

/**
 * Every panel the workspace can show, by id: the one place that knows which component renders which
 * panel. Layouts name ids only.
 */
export const PANELS: Record<PanelId, PanelDef> = {
  watchlist: {
    tab: 'Watchlist',
    title: () => 'Watchlist',
    body: (ctx) => (
      <Watchlist
        prefs={ctx.workspace.prefs()}
        live={ctx.session.live()}
        rows={ctx.watch.state()?.rows ?? null}
        focused={ctx.market.symbol()}
        onFocus={ctx.focus}
        owner={ctx.workspace.owner()}
        now={ctx.now()}
        save={ctx.workspace.update}
      />
    ),
    state: (ctx) => watchState(ctx.watch.state(), ctx.now()),
  },
  quote: {
    tab: 'Quote',
    title: (ctx) => `${ctx.market.symbol()} quote`,
    body: (ctx) => <Show when={ctx.market.view()} fallback={waiting('the first quote')}>{(v) => <QuotePanel view={v()} />}</Show>,
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'home'),
    venues: homeVenue,
  },
  chart: {
    tab: 'Chart',
    title: (ctx) => `${ctx.market.symbol()} chart`,
    body: (ctx) => (
      <CandleChart candles={ctx.market.candles()} interval={ctx.market.interval()} onInterval={ctx.market.chooseInterval} onEngine={ctx.onChartEngine} block={ctx.market.block} />
    ),
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'home'),
    venues: homeVenue,
  },
  ladder: {
    tab: 'Book',
    title: () => 'Consolidated book',
    body: (ctx) => <Show when={ctx.market.view()?.depth} fallback={waiting('the book')}>{(d) => <DepthLadder depth={d()} onPrice={ctx.session.user() ? ctx.onCreateAlertAt : undefined} />}</Show>,
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'all'),
    venues: (ctx) => ctx.market.view()?.depth?.venues ?? [],
  },
  tape: {
    tab: 'Trades',
    title: () => 'Trades',
    body: (ctx) => <Show when={ctx.market.view()?.depth} fallback={waiting('trades')}>{(d) => <TradeTape trades={d().tape} decimals={d().priceDecimals} />}</Show>,
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'all'),
    venues: (ctx) => [...new Set(ctx.market.view()?.depth?.tape.map((t) => t.venue) ?? [])].sort(),
  },
  cross: {
    tab: 'Venue quotes',
    title: () => 'Best bid / offer by venue',
    body: (ctx) => <Show when={ctx.market.view()?.depth?.cross} fallback={waiting('quotes')}>{(c) => <CrossVenue cross={c()} decimals={ctx.market.view()?.depth?.priceDecimals} />}</Show>,
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'all'),
    venues: (ctx) => Object.keys(ctx.market.view()?.depth?.cross?.venues ?? {}).sort(),
  },
  venues: {
    tab: 'Health',
    title: () => 'Venue health',
    body: (ctx) => (
      <>
        <Show when={ctx.market.view()} fallback={waiting('the edge')}>{(v) => <VenueHealth feeds={v().feeds} now={ctx.now()} />}</Show>
        <Show when={ctx.exchanges.venues().length}>
          <details class="all-venues" data-testid="all-venues" open>
            <summary>All venues</summary>
            <VenueHealth feeds={ctx.exchanges.venues()} now={ctx.now()} scope="all" />
          </details>
        </Show>
      </>
    ),
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'all'),
  },
  forecast: {
    tab: 'Forecast',
    title: () => 'Forecast',
    body: (ctx) => (
      <ForecastPanel info={ctx.forecast.info()} latest={ctx.forecast.latest()} warmup={ctx.forecast.warmup()} error={ctx.forecast.error()} onShow={() => ctx.forecast.start()} />
    ),
    state: (ctx) => marketState(ctx.market.view(), ctx.now(), 'home'),
    venues: homeVenue,
  },
  portfolio: { tab: 'Portfolio', title: () => 'Portfolio', body: (ctx) => account(ctx, 'your portfolio', () => <PortfolioPanel store={ctx.portfolio} />) },
  alerts: {
    tab: 'Alerts',
    title: () => 'Alerts',
    body: (ctx) => account(ctx, 'your alerts', () => <AlertsPanel alerts={ctx.alerts} symbol={ctx.market.symbol()} lastPrice={ctx.market.view()?.last?.price} />),
  },
};
