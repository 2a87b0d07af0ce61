import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOhlcvCsv } from '../shared/ml/ohlcv';
import { backtestForecastVar, backtestVar, logReturns } from '../shared/risk/var';
import { BACKTEST_FROM, forecastTrials } from './forecast-trials';
import { DATA_DIR } from './paths';

/**
 * `npx tsx tools/risk-backtest.ts`: walk-forward VaR backtests on the real OHLCV files, with Kupiec's
 * test per method, confidence and horizon. Prints a Markdown table (docs/risk.md keeps the latest).
 */
const sets = [
  { file: 'ftx-btc-perp-1m-train.csv', window: 1_440 * 7, horizons: [['1 h', 60], ['1 d', 1_440]] as const },
  { file: 'Coinbase_BTCUSD_1h.csv', window: 24 * 90, horizons: [['1 h', 1], ['1 d', 24]] as const },
];
console.log('| data | window | horizon | method | confidence | trials | exceptions | rate | expected | Kupiec LR | p-value |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const s of sets) {
  const r = logReturns(parseOhlcvCsv(readFileSync(join(DATA_DIR, 'ohlcv', s.file), 'utf8')).bars.close);
  for (const [label, h] of s.horizons) {
    for (const method of ['historical', 'parametric'] as const) {
      for (const c of [0.95, 0.99]) {
        const b = backtestVar(r, s.window, c, method, h);
        console.log(
          `| ${s.file} | ${s.window} bars | ${label} | ${method} | ${c * 100} % | ${b.trials} | ${b.exceptions} | ${(b.rate * 100).toFixed(2)} % | ${((1 - c) * 100).toFixed(0)} % | ${b.lr.toFixed(2)} | ${b.pValue.toFixed(3)} |`,
        );
      }
    }
  }
}

// Forecast VaR: the shipped model's quantiles on the FTX file's last five days (in-sample: fc4 is fitted on them), one
// trial per non-overlapping horizon.
const bars = parseOhlcvCsv(readFileSync(join(DATA_DIR, 'ohlcv', 'ftx-btc-perp-1m-train.csv'), 'utf8')).bars;
console.log('\n| data | from | horizon | method | confidence | trials | exceptions | rate | expected | Kupiec LR | p-value |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const [label, k] of [['5 min', 0], ['1 h', 1]] as const) for (const c of [0.95, 0.99]) {
  const b = backtestForecastVar(forecastTrials(bars, BACKTEST_FROM, k), c);
  console.log(`| ftx-btc-perp-1m-train.csv | ${new Date(BACKTEST_FROM).toISOString().slice(0, 10)} | ${label} | forecast (band model) | ${c * 100} % | ${b.trials} | ${b.exceptions} | ${(b.rate * 100).toFixed(2)} % | ${((1 - c) * 100).toFixed(0)} % | ${b.lr.toFixed(2)} | ${b.pValue.toFixed(3)} |`);
}
