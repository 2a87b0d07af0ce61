import { createSignal, For } from 'solid-js';
import type { Preferences } from '../../shared/account/schema';
import { CANONICAL_SYMBOL } from '../../shared/market/symbols';

const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'] as const;

/**
 * The user's first watchlist and chart layout, stored in their account: edits go to the edge, which
 * pushes them to the user's other devices, so this only renders what the session store holds.
 */
export function Watchlist(props: { prefs: Preferences; live: boolean; save: (set: Partial<Preferences>) => Promise<void> }) {
  const [draft, setDraft] = createSignal('');
  const [error, setError] = createSignal('');
  const list = () => props.prefs.watchlists[0] ?? { id: 'main', name: 'Main', symbols: [] };
  const layout = () => props.prefs.layouts[0] ?? { id: 'main', name: 'Main', symbol: 'BTC-USDT', interval: '1s' as const, indicators: [] };
  const setSymbols = (symbols: string[]) =>
    props.save({ watchlists: [{ ...list(), symbols }, ...props.prefs.watchlists.slice(1)] }).catch((e: { detail?: string }) => setError(e.detail ?? 'not saved'));
  const add = (e: SubmitEvent) => {
    e.preventDefault();
    const s = draft().trim().toUpperCase();
    if (!CANONICAL_SYMBOL.test(s)) return setError('use a canonical symbol such as ETH-USDT');
    setError('');
    setDraft('');
    if (!list().symbols.includes(s)) void setSymbols([...list().symbols, s]);
  };
  return (
    <section class="panel watchlist" data-testid="watchlist" data-live={props.live ? 'yes' : 'no'}>
      <h2>{list().name} watchlist</h2>
      <ul>
        <For each={list().symbols} fallback={<li class="muted">Empty — add an instrument.</li>}>
          {(s) => (
            <li data-testid="watch-item">
              <span>{s}</span>
              <button aria-label={`remove ${s}`} onClick={() => void setSymbols(list().symbols.filter((x) => x !== s))}>×</button>
            </li>
          )}
        </For>
      </ul>
      <form onSubmit={add} class="row">
        <input aria-label="symbol to add" placeholder="ETH-USDT" value={draft()} onInput={(e) => setDraft(e.currentTarget.value)} data-testid="watch-input" />
        <button type="submit">Add</button>
      </form>
      <label>
        Chart interval{' '}
        <select data-testid="layout-interval" value={layout().interval}
          onChange={(e) => void props.save({ layouts: [{ ...layout(), interval: e.currentTarget.value as (typeof INTERVALS)[number] }, ...props.prefs.layouts.slice(1)] })}>
          <For each={INTERVALS}>{(i) => <option value={i}>{i}</option>}</For>
        </select>
      </label>
      {error() && <p class="error" role="alert">{error()}</p>}
    </section>
  );
}
