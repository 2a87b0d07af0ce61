import { createEffect, Match, on, Show, Switch } from 'solid-js';
import { AlertsPanel } from '../components/AlertsPanel';
import { Notifications } from '../components/Notifications';
import type { Alerts } from '../stores/alerts';
import { PortfolioPanel } from '../components/PortfolioPanel';
import type { PortfolioStore } from '../stores/portfolio';
import type { createRoute } from '../stores/route';
import type { Session } from '../stores/session';
import { Account } from './Account';
import { Admin } from './Admin';
import { SignIn } from './SignIn';

type Nav = ReturnType<typeof createRoute>;

/** Header links: who is signed in, or the way to sign in. */
export function AccountNav(props: { session: Session; alerts: Alerts }) {
  return (
    <nav class="account-nav">
      <Show when={props.session.user()} fallback={<a href="#/signin" data-testid="nav-signin">Sign in</a>}>
        {(u) => (
          <>
            <a href="#/portfolio" data-testid="nav-portfolio">Portfolio</a>
            <a href="#/alerts" data-testid="nav-alerts">Alerts</a>
            <Notifications alerts={props.alerts} />
            <a href="#/account" data-testid="nav-account">{u().name}</a>
            <Show when={u().roles.includes('admin')}><a href="#/admin">Admin</a></Show>
          </>
        )}
      </Show>
    </nav>
  );
}

/** The account pages by route; records the instrument viewed. The watchlist is a workspace panel. */
export function AccountPages(props: { session: Session; nav: Nav; symbol: string; alerts: Alerts; lastPrice?: number | null; portfolio: PortfolioStore }) {
  const s = props.session;
  createEffect(on(() => [s.user()?.id, props.symbol] as const, ([id, symbol]) => id && void s.viewed(symbol).catch(() => undefined)));
  const onAuthPage = () => props.nav.route() === 'signin' || props.nav.route() === 'signup';
  // Back to the market once signed in, unless the user has already gone somewhere else meanwhile.
  const done = () => onAuthPage() && props.nav.go('market');
  return (
    <Switch>
      <Match when={onAuthPage()}>
        <SignIn session={s} mode={props.nav.route() === 'signup' ? 'signup' : 'signin'} done={done} />
      </Match>
      <Match when={props.nav.route() === 'account' && s.user()}><Account session={s} /></Match>
      <Match when={props.nav.route() === 'admin' && s.user()}><Admin session={s} /></Match>
      <Match when={props.nav.route() === 'portfolio' && s.user()}>
        <PortfolioPanel store={props.portfolio} />
      </Match>
      <Match when={props.nav.route() === 'alerts' && s.user()}><AlertsPanel alerts={props.alerts} symbol={props.symbol} lastPrice={props.lastPrice} /></Match>
      <Match when={(props.nav.route() === 'portfolio' || props.nav.route() === 'alerts') && s.user() === null}>
        <p class="panel">Sign in to see your portfolio and alerts. <a href="#/signin">Sign in</a></p>
      </Match>
    </Switch>
  );
}
