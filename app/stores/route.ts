import { createSignal, onCleanup } from 'solid-js';

export type Route = 'market' | 'signin' | 'signup' | 'account' | 'admin' | 'portfolio' | 'alerts';
const ROUTES: Route[] = ['market', 'signin', 'signup', 'account', 'admin', 'portfolio', 'alerts'];

const parse = (hash: string): Route => {
  const r = hash.replace(/^#\/?/, '') as Route;
  return ROUTES.includes(r) ? r : 'market';
};

/** The whole router: the page named by `#/<route>`; links are plain `href="#/account"`. */
export function createRoute() {
  const [route, setRoute] = createSignal<Route>(parse(location.hash));
  const onHash = () => setRoute(parse(location.hash));
  addEventListener('hashchange', onHash);
  onCleanup(() => removeEventListener('hashchange', onHash));
  const go = (r: Route) => {
    location.hash = r === 'market' ? '' : `#/${r}`;
  };
  return { route, go };
}
