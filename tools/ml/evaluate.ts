import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FULL, SHORT, WARMUP } from '../../shared/ml/features';
import { barInterval, MINUTE_MS, resample, type Bars } from '../../shared/ml/ohlcv';
import { HORIZON_NAMES, HORIZONS } from '../../shared/ml/model';
import { scoreWalkForward, type HorizonBars, type Reference } from '../../shared/ml/score';
import { loadBars } from './data';
import { decodeModel } from './onnx';
import { MODEL_DIR } from './train';

interface Card {
  version: string;
  training: { from: string; to: string };
  /** The training file's span: its last hour of bars is in training targets, so held-out starts after data.to. */
  data: { to: string };
  reference: Reference;
}

/**
 * Scores the shipped model and the baselines on one OHLCV file, walking forward through it without fitting
 * anything on it (the GARCH parameters, base rates and weights all come from the model's training period).
 * The model is defined on 1-minute bars: finer bars are aggregated to 1 minute. On coarser bars (the hourly
 * Coinbase file) the model and the 1-minute GARCH do not apply; the horizons that are whole multiples of
 * the bar are still scored for EWMA, trailing realized and the direction baselines, and the output says so.
 */
export function evaluateFile(path: string, opts: { modelDir?: string; from?: number } = {}) {
  const dir = opts.modelDir ?? MODEL_DIR;
  const card = JSON.parse(readFileSync(join(dir, 'forecast.json'), 'utf8')) as Card;
  const params = decodeModel(readFileSync(join(dir, 'forecast.onnx')));
  const loaded = loadBars(path);
  const barMs = barInterval(loaded.bars);
  const fine = barMs > 0 && barMs <= MINUTE_MS && MINUTE_MS % barMs === 0;
  const horizons: HorizonBars = fine
    ? HORIZONS.map((bars, index) => ({ index, bars }))
    : HORIZONS.map((m, index) => ({ index, bars: (m * MINUTE_MS) / barMs })).filter((h) => Number.isInteger(h.bars) && h.bars >= 1);
  if (!horizons.length) throw new Error(`${path}: bars are ${barMs / 1000} s apart; no forecast horizon (${HORIZON_NAMES.join(', ')}) is a whole number of them`);
  // Resampling also fills missing bars with flat ones, so bar i+h is always h bars' time after bar i.
  const bars: Bars = resample(loaded.bars, fine ? MINUTE_MS : barMs);
  const n = bars.close.length;
  if (n <= WARMUP + 5) throw new Error(`${path}: ${n} one-minute bars; at least ${WARMUP + 6} are needed (${WARMUP} of history)`);
  const from = Math.max(WARMUP, opts.from === undefined ? 0 : bars.time.findIndex((t) => t >= opts.from!));
  if (from < 0 || from >= n) throw new Error(`${path}: no bars from ${new Date(opts.from!).toISOString()}`);
  const scores = scoreWalkForward(bars, fine ? { params, set: FULL } : null, card.reference, from, n, horizons);
  // The low-history model on the same rows: what the panel shows before a session has WARMUP bars.
  const lowHistory = fine ? scoreWalkForward(bars, { params: decodeModel(readFileSync(join(dir, 'forecast-short.onnx'))), set: SHORT }, card.reference, from, n, horizons) : null;
  const first = bars.time[from]!;
  return {
    rows: n - from,
    from: new Date(first).toISOString(),
    to: new Date(bars.time[n - 1]!).toISOString(),
    model: card.version,
    file: loaded.path,
    inputBarSeconds: barMs / 1000,
    filledBars: fine && barMs < MINUTE_MS ? 0 : n - loaded.bars.close.length,
    droppedRows: loaded.dropped,
    ...(first <= Date.parse(card.data.to) && bars.time[n - 1]! >= Date.parse(card.training.from)
      ? { warning: `overlaps the model's training period (${card.training.from} → ${card.training.to}): in-sample, not a held-out score; the held-out period is the bars after ${card.data.to}` }
      : {}),
    ...(fine ? {} : { note: `bars are ${barMs / 60_000} min apart: the model (1-minute bars) and the 1-minute GARCH do not apply and are null; horizons not a whole number of bars are left out; base rates are the training period's` }),
    horizons: scores,
    lowHistory: lowHistory && { model: 'forecast-short.onnx', horizons: lowHistory },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, from: { type: 'string' } } });
  if (!values.data) {
    console.error('usage: npm run evaluate -- --data <csv> [--from <ISO time>] [--model <dir with forecast.onnx and forecast.json>]');
    process.exit(2);
  }
  try {
    const from = values.from === undefined ? undefined : Date.parse(values.from.length === 10 ? `${values.from}T00:00:00Z` : values.from);
    console.log(JSON.stringify(evaluateFile(values.data, { modelDir: values.model, from })));
  } catch (err) {
    console.error(`evaluate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
