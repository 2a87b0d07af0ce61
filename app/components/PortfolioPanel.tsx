import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { VENUES } from '../../shared/market/types';
import type { RiskRow } from '../../shared/risk/measures';
import type { PositionRow } from '../../shared/risk/schema';
import { fmt } from '../format';
import type { PortfolioStore } from '../stores/portfolio';
import { EquityPlot } from './EquityPlot';

const pct = (v: number, d = 2) => (Number.isFinite(v) ? `${(v * 100).toFixed(d)} %` : '—');
const sign = (v: number | null) => (v === null ? '' : v > 0 ? 'up' : v < 0 ? 'down' : '');

/** Signed bars scaled to the largest absolute value: exposure per asset or per exchange. */
function Bars(props: { title: string; values: Record<string, number>; testid: string }) {
  const entries = () => Object.entries(props.values).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  const max = () => Math.max(1e-12, ...entries().map(([, v]) => Math.abs(v)));
  return (
    <figure class="bars" data-testid={props.testid}>
      <figcaption>{props.title}</figcaption>
      <For each={entries()} fallback={<p class="muted">No open positions.</p>}>
        {([k, v]) => (
          <div class="bar-row">
            <span class="bar-label">{k}</span>
            <span class="bar-track"><span class={`bar-fill ${v < 0 ? 'short' : 'long'}`} style={{ width: `${(Math.abs(v) / max()) * 100}%` }} /></span>
            <span class="num">{fmt(v)}</span>
          </div>
        )}
      </For>
    </figure>
  );
}

/**
 * The portfolio: positions under FIFO or average cost, P&L marked to the live consolidated mid, exposure
 * per asset and per exchange, equity and drawdown, and the risk measures of the analytics worker. Fills are
 * entered by hand or imported from a CSV, which goes in whole or not at all.
 */
export function PortfolioPanel(props: { store: PortfolioStore }) {
  const s = props.store;
  const [fileName, setFileName] = createSignal('');
  onMount(s.start);
  onCleanup(s.stop);
  const addFill = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const ok = await s.addFill({
      exchange: String(f.get('exchange')), symbol: String(f.get('symbol')).toUpperCase(), side: f.get('side') as 'buy' | 'sell',
      price: Number(f.get('price')), amount: Number(f.get('amount')), fee: Number(f.get('fee') || 0),
    });
    if (ok) form.reset();
  };
  /** The position row whose stop form is open (exchange:symbol). */
  const [protecting, setProtecting] = createSignal<string | null>(null);
  const [protectNote, setProtectNote] = createSignal('');
  const protect = async (e: SubmitEvent, p: PositionRow) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const kind = f.get('kind') as 'stop' | 'take' | 'trailing';
    const value = Number(f.get('value'));
    if (await s.protect(p, kind === 'trailing' ? { kind, distance: value / 100 } : { kind, level: value })) {
      setProtecting(null);
      setProtectNote(`${kind === 'stop' ? 'stop-loss' : kind === 'take' ? 'take-profit' : 'trailing stop'} set on ${p.exchange} ${p.symbol}`);
    }
  };
  const importFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setFileName(file.name);
    await s.importCsv(await file.text());
  };
  const riskRow = (r: RiskRow) => (
    <tr data-method={r.method} data-horizon={r.horizon} data-confidence={r.confidence}>
      <td>{r.method}</td><td>{r.horizon}</td><td>{r.confidence * 100} %</td>
      <td class="num">{pct(r.var)}</td><td class="num">{fmt(r.varAmount)}</td>
      <td class="num">{pct(r.es)}</td><td class="num">{fmt(r.esAmount)}</td>
      <td class="num muted">{r.samples}</td>
    </tr>
  );
  return (
    <section class="panel portfolio" data-testid="portfolio" aria-label="portfolio">
      <header class="row">
        <h2>Portfolio</h2>
        <span class="muted">cost basis</span>
        <For each={['fifo', 'average'] as const}>
          {(m) => <button type="button" class="touch" aria-pressed={s.report()?.method === m} onClick={() => void s.chooseMethod(m)}>{m === 'fifo' ? 'FIFO' : 'Average'}</button>}
        </For>
      </header>
      <Show when={s.error()}>{(e) => <p class="error" role="alert" data-testid="portfolio-error">{e()}</p>}</Show>
      <Show when={s.report()} fallback={<p class="muted">Loading…</p>}>
        {(r) => (
          <>
            <dl class="grid pnl" data-testid="pnl">
              <div><dt>Total P&L</dt><dd class={sign(r().pnl.total)} data-testid="pnl-total">{fmt(r().pnl.total)}</dd></div>
              <div><dt>Unrealized</dt><dd class={sign(r().pnl.unrealized)}>{fmt(r().pnl.unrealized)}</dd></div>
              <div><dt>Realized − fees</dt><dd class={sign(r().pnl.realized - r().pnl.fees)}>{fmt(r().pnl.realized - r().pnl.fees)}</dd></div>
              <div><dt>Drawdown (max)</dt><dd>{pct(r().drawdown.current)} <span class="sub">({pct(r().drawdown.max)})</span></dd></div>
            </dl>
            <Show when={r().unmarked.length}><p class="hint">No live mark yet for {r().unmarked.join(', ')}: left out of P&L and exposure.</p></Show>
            <div class="table-scroll">
              <table data-testid="positions">
                <thead><tr><th>Exchange</th><th>Symbol</th><th class="num">Qty</th><th class="num">Entry</th><th class="num">Mark (mid)</th><th class="num">Unrealized</th><th class="num">Realized</th><th class="num">Fees</th><th>Protect</th></tr></thead>
                <tbody>
                  <For each={r().positions} fallback={<tr><td colspan="9" class="muted">No fills yet: add one below or import a CSV.</td></tr>}>
                    {(p) => (
                      <tr data-symbol={p.symbol}>
                        <td>{p.exchange}</td><td>{p.symbol}</td><td class="num">{fmt(p.qty, 6)}</td><td class="num">{fmt(p.entry)}</td>
                        <td class="num">{fmt(p.mark)}</td><td class={`num ${sign(p.unrealized)}`}>{fmt(p.unrealized)}</td>
                        <td class={`num ${sign(p.realized)}`}>{fmt(p.realized)}</td><td class="num">{fmt(p.fees)}</td>
                        <td>
                          <Show when={p.qty !== 0}>
                            <button type="button" class="touch" data-testid="set-stop" aria-expanded={protecting() === `${p.exchange}:${p.symbol}`}
                              onClick={() => setProtecting((k) => (k === `${p.exchange}:${p.symbol}` ? null : `${p.exchange}:${p.symbol}`))}>Set stop…</button>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={r().positions.find((p) => p.qty !== 0 && `${p.exchange}:${p.symbol}` === protecting())}>
              {(p) => (
                <form class="row stop-form" onSubmit={(e) => void protect(e, p())} data-testid="stop-form">
                  <strong>{p().qty > 0 ? 'Long' : 'Short'} {fmt(Math.abs(p().qty), 6)} {p().symbol} on {p().exchange}</strong>
                  <label>Rule <select name="kind" data-testid="stop-kind"><option value="stop">Stop-loss</option><option value="take">Take-profit</option><option value="trailing">Trailing stop (%)</option></select></label>
                  <label>Level or % <input name="value" type="number" step="any" min="0" required value={p().mark ?? p().entry} data-testid="stop-level" /></label>
                  <button type="submit" class="touch" data-testid="stop-save">Save</button>
                </form>
              )}
            </Show>
            <Show when={protectNote()}><p class="hint" role="status" data-testid="stop-note">{protectNote()}</p></Show>
            <div class="two-col">
              <Bars title={`Exposure by asset (gross ${fmt(r().exposure.gross)}, concentration ${fmt(r().exposure.concentration, 2)})`} values={r().exposure.byAsset} testid="exposure-asset" />
              <Bars title={`Exposure by exchange (net ${fmt(r().exposure.net)})`} values={r().exposure.byExchange} testid="exposure-exchange" />
            </div>
            <h3>Equity (capital {fmt(r().capital, 0)} + P&L) and drawdown</h3>
            <EquityPlot equity={r().equity} />
          </>
        )}
      </Show>
      <h3>Risk</h3>
      <Show when={s.risk()} fallback={<p class="muted">Risk measures appear once positions have a live mark.</p>}>
        {(k) => (
          <>
            <Show when={k().rows.length}>
            <div class="table-scroll">
              <table data-testid="risk">
                <thead><tr><th>Method</th><th>Horizon</th><th>Level</th><th class="num">VaR</th><th class="num">VaR amt</th><th class="num">ES</th><th class="num">ES amt</th><th class="num">Samples</th></tr></thead>
                <tbody><For each={k().rows}>{riskRow}</For></tbody>
              </table>
            </div>
            </Show>
            <For each={k().notes}>{(n) => <p class="hint">{n}</p>}</For>
            <div class="two-col">
              <table data-testid="volatility">
                <thead><tr><th>Volatility</th><th class="num">1 min</th><th class="num">1 h</th><th class="num">annual</th></tr></thead>
                <tbody><For each={k().vol}>{(v) => <tr><td>{v.symbol}</td><td class="num">{pct(v.minute, 3)}</td><td class="num">{pct(v.hour)}</td><td class="num">{pct(v.annual, 1)}</td></tr>}</For></tbody>
              </table>
              <table data-testid="correlations">
                <thead><tr><th>ρ (1 min, {k().correlations.bars} bars)</th><For each={k().correlations.symbols}>{(sym) => <th class="num">{sym}</th>}</For></tr></thead>
                <tbody>
                  <For each={k().correlations.symbols}>
                    {(sym, i) => <tr><td>{sym}</td><For each={k().correlations.matrix[i()]}>{(c) => <td class="num">{fmt(c, 2)}</td>}</For></tr>}
                  </For>
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
      <h3>Add a fill</h3>
      <form class="row fill-form" onSubmit={addFill} data-testid="fill-form">
        <select name="exchange" aria-label="Exchange"><For each={[...VENUES]}>{(v) => <option value={v}>{v}</option>}</For></select>
        <input name="symbol" aria-label="Symbol" placeholder="BTC-USDT" required pattern="[A-Za-z0-9]+-[A-Za-z0-9]+(-[A-Za-z0-9]+)?" />
        <select name="side" aria-label="Side"><option value="buy">buy</option><option value="sell">sell</option></select>
        <input name="price" aria-label="Price" type="number" step="any" min="0" placeholder="price" required />
        <input name="amount" aria-label="Amount" type="number" step="any" min="0" placeholder="amount" required />
        <input name="fee" aria-label="Fee" type="number" step="any" min="0" placeholder="fee" />
        <button type="submit" class="touch">Add fill</button>
      </form>
      <h3>Import fills (CSV)</h3>
      <p class="hint">timestamp,exchange,symbol,side,price,amount[,fee][,id] — a file with any bad row imports nothing.</p>
      <label class="button touch file">
        Choose CSV… <input type="file" accept=".csv,text/csv" onChange={importFile} data-testid="csv-input" />
      </label>
      <span class="muted"> {fileName()}</span>
      <Show when={s.importErrors().length}>
        <ul class="import-errors error" data-testid="import-errors">
          <For each={s.importErrors()}>{(e) => <li>line {e.line}: {e.message}</li>}</For>
        </ul>
      </Show>
    </section>
  );
}
