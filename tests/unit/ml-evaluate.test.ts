import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOhlcvCsv, sliceBars } from '../../shared/ml/ohlcv';
import { COINBASE_FILE, loadBars, TRAIN_FILE } from '../../tools/ml/data';
import { evaluateFile } from '../../tools/ml/evaluate';
import { MODEL_DIR } from '../../tools/ml/train';
import { DATA_DIR, hasData } from '../../tools/paths';

const why = hasData() ? '' : '(../shared/data is absent)';
const card = JSON.parse(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8')) as { version: string; reference: { baseRate: number[] } };

describe.skipIf(why !== '')(`npm run evaluate on real bars ${why}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgetape-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The first 420 FTX bars (2021-12-31 23:01 → 2022-01-01 06:00) as plain CSVs with three timestamp styles.
  const bars = sliceBars(loadBars(TRAIN_FILE).bars, 0, 420);
  const write = (name: string, ts: (ms: number) => string) => {
    const lines = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < 420; i++) lines.push([ts(bars.time[i]!), bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]].join(','));
    const p = join(dir, name);
    writeFileSync(p, `${lines.join('\n')}\n`);
    return p;
  };
  const bySeconds = evaluateFile(write('s.csv', (ms) => String(ms / 1000)));

  it('reads ms, s and ISO timestamps alike', () => {
    const strip = (r: ReturnType<typeof evaluateFile>) => ({ ...r, file: '' });
    expect(strip(evaluateFile(write('ms.csv', String)))).toEqual(strip(bySeconds));
    expect(strip(evaluateFile(write('iso.csv', (ms) => new Date(ms).toISOString())))).toEqual(strip(bySeconds));
    expect(bySeconds).toMatchObject({ rows: 180, from: '2022-01-01T03:01:00.000Z', to: '2022-01-01T06:00:00.000Z', model: card.version });
    expect(bySeconds.warning).toMatch(/overlaps the model's training period/);
  });

  it('warns only on a file that overlaps the training file: the same bars 25 days later (the held-out side) score alike, unflagged', () => {
    // Whole days later, so the time-of-day features and every forecast are unchanged.
    const later = evaluateFile(write('later.csv', (ms) => String(ms + 25 * 86_400_000)));
    expect(later).toMatchObject({ rows: 180, from: '2022-01-26T03:01:00.000Z' });
    expect(later.warning).toBeUndefined();
    expect(later.horizons).toEqual(bySeconds.horizons);
  });

  it('gives the base-rate Brier (60m) and EWMA QLIKE (5m) of a by-hand walk through the slice', () => {
    const c = bars.close;
    // 60m: forecasts at bars 240..359 (bar t+60 must exist); the base rate is the training share of up hours.
    const p = card.reference.baseRate[1]!;
    let brier = 0;
    for (let t = 240; t < 360; t++) brier += (p - (c[t + 60]! > c[t]! ? 1 : 0)) ** 2;
    expect(bySeconds.horizons['60m']!.rows).toBe(120);
    expect(bySeconds.horizons['60m']!.direction.baseRate.brier).toBeCloseTo(brier / 120, 14);
    // 5m EWMA: seeded with the mean r² of returns 1..240, λ = 0.94, forecast 5·σ²; QLIKE = u − ln u − 1, u = RV/forecast.
    const r = (i: number) => Math.log(c[i]! / c[i - 1]!);
    let v = 0;
    for (let i = 1; i <= 240; i++) v += r(i) ** 2;
    v /= 240;
    let ql = 0;
    let n = 0;
    for (let t = 1; t < 415; t++) {
      v = 0.94 * v + 0.06 * r(t) ** 2;
      if (t < 240) continue;
      const rv = r(t + 1) ** 2 + r(t + 2) ** 2 + r(t + 3) ** 2 + r(t + 4) ** 2 + r(t + 5) ** 2;
      if (rv === 0) continue;
      const u = rv / (5 * v);
      ql += u - Math.log(u) - 1;
      n++;
    }
    expect(bySeconds.horizons['5m']!.rows).toBe(175);
    expect(bySeconds.horizons['5m']!.volatility.ewma.qlike).toBeCloseTo(ql / n, 12);
  });

  it('reads the Coinbase hourly export: comment line, 12-hour dates, newest first, the copied block dropped', () => {
    const { bars: hourly, dropped } = parseOhlcvCsv(readFileSync(join(DATA_DIR, COINBASE_FILE), 'utf8'));
    expect(hourly.time.length + dropped).toBe(20_111);
    // 2017-11-12 04:00–08:00 repeat 2017-11-11 23:00 – 2017-11-12 03:00 (data README).
    expect(dropped).toBe(5);
    expect(new Date(hourly.time[0]!).toISOString()).toBe('2017-07-01T11:00:00.000Z');
    expect(new Date(hourly.time[hourly.time.length - 1]!).toISOString()).toBe('2019-10-17T09:00:00.000Z');
    expect(hourly.close[hourly.time.length - 1]).toBe(8035.88);
    for (let i = 1; i < hourly.time.length; i++) expect(hourly.time[i]!).toBeGreaterThan(hourly.time[i - 1]!);
  });

  it('scores the baselines that still apply on the hourly file, and says the model does not', () => {
    const r = evaluateFile(COINBASE_FILE);
    expect(Object.keys(r.horizons)).toEqual(['60m']);
    expect(r).toMatchObject({ inputBarSeconds: 3600, droppedRows: 5, filledBars: 5, rows: 20_111 - 240 });
    expect(r.note).toMatch(/model \(1-minute bars\) and the 1-minute GARCH do not apply/);
    const h = r.horizons['60m']!;
    expect([h.volatility.model, h.volatility.garch, h.quantiles.model, h.direction.model]).toEqual([null, null, null, null]);
    expect(h.rows).toBe(20_111 - 240 - 1);
    expect(h.volatility.ewma.qlike).toBeGreaterThan(0);
  });
});
