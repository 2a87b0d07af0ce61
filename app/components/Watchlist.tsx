import { createSignal, For } from 'solid-js';
import type { Preferences } from '../../shared/account/schema';
import { CANONICAL_SYMBOL } from '../../shared/market/symbols';

const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'] as const;

/**
 * The user's first watchlist and chart layout, stored in their account: edits go to the edge, which
 * pushes them to the user's other devices, so this only renders what the session store holds.
 */
export function Watchlist(props: { prefs: Preferences; live: boolean; save: (edit: (p: Preferences) => Partial<Preferences>) => Promise<void> }) {
  const [draft, setDraft] = createSignal('');
  const [error, setError] = createSignal('');
  const firstList = (p: Preferences) => p.watchlists[0] ?? { id: 'main', name: 'Main', symbols: [] };
  const firstLayout = (p: Preferences) => p.layouts[0] ?? { id: 'main', name: 'Main', symbol: 'BTC-USDT', interval: '1s' as const, indicators: [] };
  const list = () => firstList(props.prefs);
  const layout = () => firstLayout(props.prefs);
  const save = (edit: (p: Preferences) => Partial<Preferences>) => void props.save(edit).catch((e: { detail?: string }) => setError(e.detail ?? 'not saved'));
  /** Edits are applied to the latest stored list when the write runs, not to what was on screen at the click. */
  const editSymbols = (f: (symbols: string[]) => string[]) =>
    save((p) => ({ watchlists: [{ ...firstList(p), symbols: f(firstList(p).symbols) }, ...p.watchlists.slice(1)] }));
  const add = (e: SubmitEvent) => {
    e.preventDefault();
    const s = draft().trim().toUpperCase();
    if (!CANONICAL_SYMBOL.test(s)) return setError('use a canonical symbol such as ETH-USDT');
    setError('');
    setDraft('');
    editSymbols((symbols) => (symbols.includes(s) ? symbols : [...symbols, s]));
  };
  return (
    <section class="panel watchlist" data-testid="watchlist" data-live={props.live ? 'yes' : 'no'}>
      <h2>{list().name} watchlist</h2>
      <ul>
        <For each={list().symbols} fallback={<li class="muted">Empty — add an instrument.</li>}>
          {(s) => (
            <li data-testid="watch-item">
              <span>{s}</span>
              <button aria-label={`remove ${s}`} onClick={() => editSymbols((symbols) => symbols.filter((x) => x !== s))}>×</button>
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
          onChange={(e) => {
            const interval = e.currentTarget.value as (typeof INTERVALS)[number];
            save((p) => ({ layouts: [{ ...firstLayout(p), interval }, ...p.layouts.slice(1)] }));
          }}>
          <For each={INTERVALS}>{(i) => <option value={i}>{i}</option>}</For>
        </select>
      </label>
      {error() && <p class="error" role="alert">{error()}</p>}
    </section>
  );
}
