import * as Comlink from 'comlink';
import { createSignal, onCleanup } from 'solid-js';
import type { RowError } from '../../shared/risk/fills';
import type { RiskMeasures } from '../../shared/risk/measures';
import type { PortfolioReport } from '../../shared/risk/schema';
import type { RiskApi } from '../workers/risk.worker';
import type { Session } from './session';

/** P&L is marked to the live mid: refreshed this often while the portfolio is shown. */
const REFRESH_MS = 5_000;
/** Risk measures rest on minute bars: recomputed at most this often. */
const RISK_MS = 60_000;

/**
 * The signed-in user's portfolio: the edge's report (positions, P&L at the live consolidated mid, exposure,
 * equity and drawdown) and the risk measures the analytics worker computes from candle history.
 */
export function createPortfolio(session: Session) {
  const [report, setReport] = createSignal<PortfolioReport | null>(null);
  const [risk, setRisk] = createSignal<RiskMeasures | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [importErrors, setImportErrors] = createSignal<RowError[]>([]);
  const [method, setMethod] = createSignal<'fifo' | 'average' | undefined>(undefined);
  let worker: Worker | undefined;
  let riskApi: Comlink.Remote<RiskApi> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let riskAt = 0;
  let forecast: { symbol: string; q60: [number, number, number] } | undefined;

  const fail = (e: unknown) => setError((e as { detail?: string }).detail ?? String(e));

  async function refresh(): Promise<void> {
    if (!session.user()) return;
    try {
      const m = method();
      const r = await session.call<PortfolioReport>('GET', `/users/me/portfolio${m ? `?method=${m}` : ''}`);
      setReport(r);
      setError(null);
      if (Date.now() - riskAt > RISK_MS) void computeRisk(r);
    } catch (e) {
      fail(e);
    }
  }

  async function computeRisk(r: PortfolioReport): Promise<void> {
    const holdings = r.positions.filter((p) => p.qty !== 0 && p.mark !== null).map((p) => ({ symbol: p.symbol, value: p.qty * p.mark! }));
    // one holding per instrument, whatever the venue
    const bySymbol = new Map<string, number>();
    for (const h of holdings) bySymbol.set(h.symbol, (bySymbol.get(h.symbol) ?? 0) + h.value);
    riskAt = Date.now();
    if (!bySymbol.size) return void setRisk(null);
    if (!riskApi) {
      worker = new Worker(new URL('../workers/risk.worker.ts', import.meta.url), { type: 'module', name: 'risk' });
      riskApi = Comlink.wrap<RiskApi>(worker);
    }
    try {
      setRisk(await riskApi.measures([...bySymbol].map(([symbol, value]) => ({ symbol, value })), forecast));
    } catch (e) {
      fail(e);
    }
  }

  const start = () => {
    if (timer) return;
    void refresh();
    timer = setInterval(() => void refresh(), REFRESH_MS);
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  onCleanup(() => {
    stop();
    worker?.terminate();
  });

  return {
    report, risk, error, importErrors, method, start, stop, refresh,
    async chooseMethod(m: 'fifo' | 'average') {
      setMethod(m);
      await session.call('PUT', '/users/me/portfolio/settings', { method: m }).catch(fail);
      await refresh();
    },
    async setCapital(capital: number) {
      await session.call('PUT', '/users/me/portfolio/settings', { capital }).catch(fail);
      await refresh();
    },
    async addFill(f: { exchange: string; symbol: string; side: 'buy' | 'sell'; price: number; amount: number; fee?: number }): Promise<boolean> {
      try {
        setReport(await session.call<PortfolioReport>('POST', '/users/me/portfolio/fills', f));
        setError(null);
        riskAt = 0;
        return true;
      } catch (e) {
        fail(e);
        return false;
      }
    },
    /** All or nothing: on any bad row the edge names each by line and stores none. */
    async importCsv(text: string): Promise<boolean> {
      const res = await fetch('/api/v1/users/me/portfolio/fills/import', {
        method: 'POST', body: text, credentials: 'same-origin',
        headers: { 'content-type': 'text/csv', 'x-csrf-token': document.cookie.split('; ').find((c) => c.startsWith('__Host-csrf='))?.slice(12) ?? '' },
      });
      const body = (await res.json().catch(() => ({}))) as { errors?: RowError[]; detail?: string; imported?: number };
      if (!res.ok) {
        setImportErrors(body.errors ?? []);
        setError(body.detail ?? `import failed (${res.status})`);
        return false;
      }
      setImportErrors([]);
      setError(null);
      riskAt = 0;
      await refresh();
      return true;
    },
    /** A stop-loss, take-profit or trailing stop on a held position: the edge takes its side and size from the position. */
    async protect(p: { exchange: string; symbol: string }, rule: { kind: 'stop' | 'take'; level: number } | { kind: 'trailing'; distance: number }): Promise<boolean> {
      try {
        await session.call('POST', '/users/me/alerts', { symbol: p.symbol, rule: { ...rule, exchange: p.exchange } });
        setError(null);
        return true;
      } catch (e) {
        fail(e);
        return false;
      }
    },
    /** The latest 60-minute forecast quantiles for an instrument, for forecast VaR beside the others. */
    useForecast(symbol: string, q60: readonly number[]) {
      forecast = { symbol, q60: [q60[0]!, q60[1]!, q60[2]!] };
    },
  };
}
export type PortfolioStore = ReturnType<typeof createPortfolio>;
