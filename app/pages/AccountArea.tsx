import { createEffect, Match, on, Show, Switch } from 'solid-js';
import type { createRoute } from '../stores/route';
import type { Session } from '../stores/session';
import { Account } from './Account';
import { Admin } from './Admin';
import { SignIn } from './SignIn';

type Nav = ReturnType<typeof createRoute>;

/** Header links: who is signed in, or the way to sign in. */
export function AccountNav(props: { session: Session }) {
  return (
    <nav class="account-nav">
      <Show when={props.session.user()} fallback={<a href="#/signin" data-testid="nav-signin">Sign in</a>}>
        {(u) => (
          <>
            <a href="#/account" data-testid="nav-account">{u().name}</a>
            <Show when={u().roles.includes('admin')}><a href="#/admin">Admin</a></Show>
          </>
        )}
      </Show>
    </nav>
  );
}

/** The account pages by route; records the instrument viewed. The watchlist is a workspace panel. */
export function AccountPages(props: { session: Session; nav: Nav; symbol: string }) {
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
    </Switch>
  );
}
