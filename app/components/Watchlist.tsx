import { createResource, createSignal, For, Show } from 'solid-js';
import type { Preferences } from '../../shared/account/schema';
import { CANONICAL_SYMBOL } from '../../shared/market/symbols';
import { fmt } from '../format';
import { fetchInstruments } from '../instruments';
import type { WatchRow } from '../workers/watch-view';
import { Sparkline } from './Sparkline';

const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'] as const;
const MAX_SUGGESTIONS = 8;
const WHERE = {
  account: 'saved to your account',
  'account-offline': 'your account’s list as last seen — offline, changes wait until you are back',
  browser: 'kept in this browser — sign in to keep it everywhere',
} as const;
/** A row with no update for this long is shown as stale on its own. */
const ROW_STALE_MS = 15_000;


const span = (ms: number) => (ms >= 86_400_000 - 60_000 ? '24 h' : ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.max(1, Math.round(ms / 60_000))} m`);
const pct = (v: number) => (Math.abs(v) < 5e-5 ? '0.00%' : `${v > 0 ? '+' : '−'}${fmt(Math.abs(v) * 100, 2)}%`);

/**
 * The user's first watchlist: instruments across venues with last, change, spread and a sparkline; add by
 * searching the instruments the edge serves; arrows move between rows, Enter focuses every panel on one.
 * Where it is stored (account or this browser) is the owner's business: this only renders and asks `save`.
 */
export function Watchlist(props: {
  prefs: Preferences;
  live: boolean;
  rows: WatchRow[] | null;
  focused: string;
  onFocus: (symbol: string) => void;
  /** Where the list lives: the account, the account's copy as last seen (offline), or this browser. */
  owner: 'account' | 'account-offline' | 'browser';
  now: number;
  save: (edit: (p: Preferences) => Partial<Preferences>) => Promise<void>;
}) {
  const [draft, setDraft] = createSignal('');
  const [error, setError] = createSignal('');
  const [open, setOpen] = createSignal(false);
  const [active, setActive] = createSignal(-1);
  // null when the edge cannot be asked (offline): typing a canonical symbol still works then.
  const [instruments] = createResource(fetchInstruments);
  const firstList = (p: Preferences) => p.watchlists[0] ?? { id: 'main', name: 'Main', symbols: [] };
  const firstLayout = (p: Preferences) => p.layouts[0] ?? { id: 'main', name: 'Main', symbol: 'BTC-USDT', interval: '1s' as const, indicators: [] };
  const list = () => firstList(props.prefs);
  const layout = () => firstLayout(props.prefs);
  const row = (s: string) => props.rows?.find((r) => r.symbol === s);
  const save = (edit: (p: Preferences) => Partial<Preferences>) => void props.save(edit).catch((e: { detail?: string }) => setError(e.detail ?? 'not saved'));
  /** Edits are applied to the latest stored list when the write runs, not to what was on screen at the click. */
  const editSymbols = (f: (symbols: string[]) => string[]) =>
    save((p) => ({ watchlists: [{ ...firstList(p), symbols: f(firstList(p).symbols) }, ...p.watchlists.slice(1)] }));

  const matches = () => {
    const q = draft().trim().toUpperCase();
    const listed = new Set(list().symbols);
    return (instruments() ?? [])
      .filter((i) => !listed.has(i.symbol) && (!q || i.symbol.includes(q) || i.base.startsWith(q)))
      .slice(0, MAX_SUGGESTIONS);
  };
  const add = (symbol: string) => {
    const s = symbol.trim().toUpperCase();
    if (!CANONICAL_SYMBOL.test(s)) return setError('use a canonical symbol such as ETH-USDT');
    setError('');
    setDraft('');
    setOpen(false);
    setActive(-1);
    editSymbols((symbols) => (symbols.includes(s) ? symbols : [...symbols, s]));
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const pick = matches()[active()];
    add(pick ? pick.symbol : draft());
  };
  const onComboKey = (e: KeyboardEvent) => {
    const n = matches().length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (n) setActive((i) => (e.key === 'ArrowDown' ? (i + 1) % n : (i - 1 + n) % n));
    } else if (e.key === 'Escape') {
      if (open()) setOpen(false);
      else setDraft('');
      setActive(-1);
    }
  };
  /** Roving focus over the rows: arrows move, Home/End jump, Delete removes; Enter is the row button's click. */
  let rowsEl!: HTMLUListElement;
  const onRowKey = (e: KeyboardEvent, i: number, s: string) => {
    const buttons = [...rowsEl.querySelectorAll<HTMLButtonElement>('button.watch-focus')];
    const go = (j: number) => {
      e.preventDefault();
      buttons[Math.max(0, Math.min(buttons.length - 1, j))]?.focus();
    };
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(buttons.length - 1);
    else if (e.key === 'Delete') {
      e.preventDefault();
      editSymbols((symbols) => symbols.filter((x) => x !== s));
    }
  };
  const listId = 'watch-suggestions';
  return (
    <div class="watchlist" data-testid="watchlist" data-live={props.live ? 'yes' : 'no'}>
      <p class="sub watch-where">{list().name} · {WHERE[props.owner]}</p>
      <p class="watch-head sub" aria-hidden="true"><span>symbol</span><span>last</span><span>change</span><span>spread</span><span>1 h</span></p>
      <p id="watch-hint" class="sr-only">Enter shows it in every panel; Delete removes it.</p>
      <ul class="watch-rows" ref={rowsEl} aria-label={`${list().name} watchlist`}>
        <For each={list().symbols} fallback={<li class="muted">Empty — add an instrument.</li>}>
          {(s, i) => {
            const r = () => row(s);
            const spread = () => {
              const x = r();
              return x && x.bid !== null && x.ask !== null ? x.ask - x.bid : null;
            };
            // A row whose instrument has said nothing for a while is dimmed and says so, whatever the others do.
            const silent = () => {
              const at = r()?.lastDataAt ?? 0;
              return at && props.now - at > ROW_STALE_MS ? Math.round((props.now - at) / 1000) : 0;
            };
            return (
              <li data-testid="watch-item" data-symbol={s} data-last={r()?.last ?? ''} classList={{ focused: props.focused === s, stale: silent() > 0 }}>
                <button
                  type="button"
                  class="watch-focus"
                  tabindex={(list().symbols.indexOf(props.focused) === -1 ? i() === 0 : props.focused === s) ? 0 : -1}
                  aria-current={props.focused === s ? 'true' : undefined}
                  aria-describedby="watch-hint"
                  onClick={() => props.onFocus(s)}
                  onKeyDown={(e) => onRowKey(e, i(), s)}
                >
                  <span class="watch-symbol">{s}</span>
                  <span class="num watch-last"><span class="sr-only">, last </span>{fmt(r()?.last)}</span>
                  <span class="num watch-change" classList={{ up: (r()?.change ?? 0) > 0, down: (r()?.change ?? 0) < 0 }}>
                    <span class="sr-only">, change </span>
                    {r()?.change != null ? pct(r()!.change!) : '—'}
                    <small><span class="sr-only"> over </span>{r()?.change != null ? span(r()!.changeSpanMs) : ''}</small>
                  </span>
                  <span class="num watch-spread" title={r()?.venues.length ? `best bid/ask across ${r()!.venues.join(', ')}` : 'no quotes yet'}><span class="sr-only">, spread </span>{fmt(spread())}</span>
                  <Show when={silent()}><span class="sr-only">, no update for {silent()} s</span></Show>
                  <Sparkline values={r()?.spark ?? []} width={56} />
                  <Show when={r()?.error}><span class="watch-error">{r()!.error}</span></Show>
                </button>
                <button type="button" class="icon" aria-label={`remove ${s}`} onClick={() => editSymbols((symbols) => symbols.filter((x) => x !== s))}>×</button>
              </li>
            );
          }}
        </For>
      </ul>
      <form onSubmit={submit} class="row watch-add">
        <div class="combo">
          <input
            role="combobox"
            aria-label="symbol to add"
            aria-autocomplete="list"
            aria-expanded={open() && matches().length > 0}
            aria-controls={listId}
            aria-activedescendant={active() >= 0 ? `${listId}-${active()}` : undefined}
            placeholder="Search instruments"
            autocomplete="off"
            value={draft()}
            onInput={(e) => {
              setDraft(e.currentTarget.value);
              setOpen(true);
              setActive(-1);
            }}
            onFocus={() => setOpen(true)}
            onBlur={() => setTimeout(() => setOpen(false), 150)}
            onKeyDown={onComboKey}
            data-testid="watch-input"
          />
          <ul id={listId} role="listbox" aria-label="instruments" class="combo-list" hidden={!open() || matches().length === 0}>
            <For each={matches()}>
              {(m, i) => (
                <li id={`${listId}-${i()}`} role="option" aria-selected={active() === i()} data-testid="watch-option"
                  onPointerDown={(e) => e.preventDefault()} onClick={() => add(m.symbol)}>
                  <strong>{m.symbol}</strong> <span class="muted">{m.kind} · {m.exchanges.length} venues</span>
                </li>
              )}
            </For>
          </ul>
        </div>
        <button type="submit">Add</button>
      </form>
      <Show when={instruments() === null}><p class="sub">Instrument search unavailable offline; a canonical symbol can still be typed.</p></Show>
      <Show when={props.owner === 'account'}>
        <label class="sub">
          Chart interval{' '}
          <select data-testid="layout-interval" value={layout().interval}
            onChange={(e) => {
              const interval = e.currentTarget.value as (typeof INTERVALS)[number];
              save((p) => ({ layouts: [{ ...firstLayout(p), interval }, ...p.layouts.slice(1)] }));
            }}>
            <For each={INTERVALS}>{(i) => <option value={i}>{i}</option>}</For>
          </select>
        </label>
      </Show>
      {error() && <p class="error" role="alert">{error()}</p>}
    </div>
  );
}
