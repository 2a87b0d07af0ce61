import { createEffect, createSignal, For, Match, onMount, Show, Switch, untrack } from 'solid-js';
import { VENUES } from '../../shared/market/types';
import type { AnyRule } from '../../shared/risk/rules';
import type { NewAlert } from '../../shared/risk/schema';
import { clock, fmt } from '../format';
import { describeFiring, describeRule, type Alerts, type Draft } from '../stores/alerts';

type Kind = AnyRule['kind'];
const KINDS: [Kind, string][] = [
  ['cross', 'Price crosses'], ['stop', 'Stop-loss'], ['take', 'Take-profit'], ['trailing', 'Trailing stop'],
  ['move', '% move in window'], ['vol', 'Volatility spike'], ['health', 'Book health / spread'], ['limit', 'Portfolio limit'],
];

/** The rule the form describes; fractions are entered as percentages. Stops name their position's venue; side and size are the position's. */
function ruleFrom(kind: Kind, f: FormData): NewAlert['rule'] {
  const n = (k: string) => Number(f.get(k));
  const held = { exchange: String(f.get('exchange') ?? 'binance') as (typeof VENUES)[number] };
  switch (kind) {
    case 'cross': return { kind, direction: (f.get('direction') ?? 'above') as 'above' | 'below', level: n('level') };
    case 'stop':
    case 'take': return { kind, ...held, level: n('level') };
    case 'trailing': return { kind, ...held, distance: n('pct') / 100 };
    case 'move': return { kind, pct: n('pct') / 100, windowMs: n('minutes') * 60_000 };
    case 'vol': return { kind, threshold: n('pct') / 100, windowMs: n('minutes') * 60_000 };
    case 'health': {
      const ex = String(f.get('exchange') ?? '');
      const bps = f.get('bps') ? n('bps') : undefined;
      return { kind, ...(ex ? { exchange: ex as (typeof VENUES)[number] } : {}), ...(bps ? { maxSpreadBps: bps } : {}) };
    }
    case 'limit': {
      const measure = (f.get('measure') ?? 'drawdown') as 'var' | 'drawdown' | 'exposure';
      return { kind, measure, threshold: measure === 'drawdown' ? n('threshold') / 100 : n('threshold') };
    }
  }
}

/**
 * Alerts: create (also from a price picked on the chart or the ladder, through `alerts.onCreateAlertAt`),
 * the list with each alert's live state, the history of firings with acknowledgement, and where firings
 * go besides this page (a signed webhook, browser notifications). Touch targets are at least 44 px.
 */
export function AlertsPanel(props: { alerts: Alerts; symbol: string; lastPrice?: number | null }) {
  const a = props.alerts;
  const [kind, setKind] = createSignal<Kind>('cross');
  const [pushNote, setPushNote] = createSignal('');
  const [hookNote, setHookNote] = createSignal('');
  let level!: HTMLInputElement;
  onMount(() => void a.refresh());
  // A draft from the chart or ladder chooses the rule and the price.
  createEffect(() => {
    const d: Draft | null = a.draft();
    if (!d) return;
    setKind(d.rule);
    queueMicrotask(() => level && (level.value = String(d.price)));
  });
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const rule = ruleFrom(kind(), f);
    const alert: NewAlert = {
      symbol: rule.kind === 'limit' ? '*' : String(f.get('symbol')).toUpperCase(), rule,
      hysteresis: Number(f.get('hysteresis') || 0.1) / 100, ...(f.get('note') ? { note: String(f.get('note')) } : {}),
    };
    // the form keeps its values (a reset would blank the prefilled symbol): the next alert is often a variation
    await a.create(alert);
  };
  const saveHook = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setHookNote((await a.setWebhook(String(f.get('url')), String(f.get('secret')))) ? 'webhook saved' : '');
  };
  const levelInput = () => (
    // prefilled once (a draft's price, else the last trade), never overwritten while the user types
    <label>Level <input ref={level} name="level" type="number" step="any" min="0" required value={untrack(() => a.draft()?.price ?? props.lastPrice ?? '')} data-testid="alert-level" /></label>
  );
  const side = () => (
    <label>Position on <select name="exchange" data-testid="alert-exchange"><For each={[...VENUES]}>{(v) => <option value={v}>{v}</option>}</For></select></label>
  );
  return (
    <section class="panel alerts" data-testid="alerts" aria-label="alerts">
      <header class="row">
        <h2>Alerts</h2>
        <span class={`chip ${a.live() ? 'up' : 'muted'}`} data-testid="alerts-live" data-live={a.live() ? 'yes' : 'no'}>{a.live() ? 'notifications live' : 'reconnecting…'}</span>
      </header>
      <Show when={a.error()}>{(e) => <p class="error" role="alert" data-testid="alerts-error">{e()}</p>}</Show>
      <form class="alert-form" onSubmit={submit} data-testid="alert-form">
        <div class="row">
          <label>Rule
            <select name="kind" value={kind()} onChange={(e) => setKind(e.currentTarget.value as Kind)} data-testid="alert-kind">
              <For each={KINDS}>{([k, label]) => <option value={k}>{label}</option>}</For>
            </select>
          </label>
          <Show when={kind() !== 'limit'}>
            <label>Symbol <input name="symbol" required value={untrack(() => a.draft()?.symbol ?? props.symbol)} pattern="[A-Za-z0-9]+-[A-Za-z0-9]+(-[A-Za-z0-9]+)?" /></label>
          </Show>
        </div>
        <div class="row">
          <Switch>
            <Match when={kind() === 'cross'}>
              <label>Direction <select name="direction"><option value="above">above</option><option value="below">below</option></select></label>
              {levelInput()}
            </Match>
            <Match when={kind() === 'stop' || kind() === 'take'}>{side()}{levelInput()}</Match>
            <Match when={kind() === 'trailing'}>{side()}<label>Distance % <input name="pct" type="number" step="any" min="0" max="50" required value="1" /></label></Match>
            <Match when={kind() === 'move' || kind() === 'vol'}>
              <label>{kind() === 'move' ? 'Move %' : 'Realized vol %'} <input name="pct" type="number" step="any" min="0" required value={kind() === 'move' ? 1 : 0.5} /></label>
              <label>Window (min) <input name="minutes" type="number" min="1" max="10080" required value="15" /></label>
            </Match>
            <Match when={kind() === 'health'}>
              <label>Exchange <select name="exchange"><option value="">any</option><For each={[...VENUES]}>{(v) => <option value={v}>{v}</option>}</For></select></label>
              <label>Max spread (bps) <input name="bps" type="number" step="any" min="0" placeholder="optional" /></label>
            </Match>
            <Match when={kind() === 'limit'}>
              <label>Measure <select name="measure"><option value="drawdown">drawdown %</option><option value="var">VaR 95 % 1 h (amount)</option><option value="exposure">gross exposure (amount)</option></select></label>
              <label>Threshold <input name="threshold" type="number" step="any" min="0" required /></label>
            </Match>
          </Switch>
          <label>Re-arm gap % <input name="hysteresis" type="number" step="any" min="0" max="20" value="0.1" /></label>
          <label>Note <input name="note" maxLength={120} /></label>
          <button type="submit" class="touch primary" data-testid="alert-create">Create alert</button>
          <Show when={a.draft()}><button type="button" class="touch" onClick={a.clearDraft}>Clear</button></Show>
        </div>
      </form>

      <h3>Your alerts</h3>
      <ul class="alert-list" data-testid="alert-list">
        <For each={a.alerts()} fallback={<li class="muted">No alerts yet.</li>}>
          {(x) => (
            <li data-testid="alert-item" data-phase={x.state?.phase ?? 'unknown'}>
              <span><strong>{x.symbol === '*' ? 'Portfolio' : x.symbol}</strong> {describeRule(x.rule)}{x.note ? ` — ${x.note}` : ''}</span>
              <span class="muted">{x.state?.cancelled ? `disarmed: ${x.state.cancelled.reason}` : (x.state?.phase ?? '?')} · fired {x.state?.firings ?? 0}×</span>
              <button type="button" class="touch" aria-label={`delete alert ${describeRule(x.rule)}`} onClick={() => void a.remove(x.id)}>Delete</button>
            </li>
          )}
        </For>
      </ul>

      <h3>Firings</h3>
      <ul class="firing-list" data-testid="firing-history">
        <For each={a.history()} fallback={<li class="muted">Nothing has fired.</li>}>
          {(h) => (
            <li data-testid="firing" data-key={`${h.firing.alertId}:${h.firing.n}`} data-acked={h.ackedAt ? 'yes' : 'no'}>
              <span>{clock(h.firing.ts > 1e12 ? h.firing.ts : h.receivedAt)} <strong>{h.firing.symbol === '*' ? 'Portfolio' : h.firing.symbol}</strong> {describeFiring(h.firing)} <span class="muted">#{h.firing.n} at {fmt(h.firing.price)}</span></span>
              <Show when={!h.ackedAt} fallback={<span class="muted">acknowledged</span>}>
                <button type="button" class="touch" onClick={() => void a.ack(h.firing)}>Acknowledge</button>
              </Show>
            </li>
          )}
        </For>
      </ul>

      <h3>Delivery</h3>
      <form class="row" onSubmit={saveHook}>
        <label>Webhook URL <input name="url" type="url" required placeholder="https://…" /></label>
        <label>Secret <input name="secret" type="password" minLength={16} maxLength={256} required /></label>
        <button type="submit" class="touch">Save webhook</button>
        <span class="muted">{hookNote()}</span>
      </form>
      <div class="row">
        <button type="button" class="touch" onClick={async () => setPushNote(await a.enablePush())}>Browser notifications</button>
        <span class="muted">{pushNote()}</span>
      </div>
    </section>
  );
}
