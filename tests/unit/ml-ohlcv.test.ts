import { describe, expect, it } from 'vitest';
import { bandColumns } from '../../app/components/forecast-overlay';
import { bandPoint } from '../../shared/ml/band';
import { barsFromRows, MINUTE_MS, parseOhlcvCsv, parseTimestamp, resample, sliceBars } from '../../shared/ml/ohlcv';
import { loadBars, TRAIN_FILE } from '../../tools/ml/data';
import { hasData } from '../../tools/paths';

const why = hasData() ? '' : '(../shared/data is absent)';

describe('timestamps', () => {
  it('reads ms, s, naive (UTC), ISO and CryptoDataDownload 12-hour dates', () => {
    const t = Date.parse('2022-01-01T03:01:00Z');
    expect(parseTimestamp(String(t))).toBe(t);
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseTimestamp('2022-01-01 03:01:00.000000')).toBe(t);
    expect(parseTimestamp('2022-01-01T04:01:00+01:00')).toBe(t);
    expect(parseTimestamp('2017-11-12 12-AM')).toBe(Date.parse('2017-11-12T00:00:00Z'));
    expect(parseTimestamp('2017-11-12 12-PM')).toBe(Date.parse('2017-11-12T12:00:00Z'));
    expect(() => parseTimestamp('yesterday')).toThrow(/unreadable timestamp "yesterday"/);
  });
});

describe('bad CSV input', () => {
  it('is refused with the line and the reason, not half-read', () => {
    expect(() => parseOhlcvCsv('open,high,low,close\n1,2,0.5,1\n')).toThrow(/no header with a timestamp\/date column and close/);
    expect(() => parseOhlcvCsv('timestamp,open,high,low,close\n1640995200000,1,2,0.5,1\n')).toThrow(/missing column volume/);
    expect(() => parseOhlcvCsv('timestamp,open,high,low,close,volume\n1640995200000,1,2,0.5,1,3\n1640995260000,1,2,x,1,3\n')).toThrow(/bad row at line 3: "1640995260000,1,2,x,1,3"/);
    expect(() => parseOhlcvCsv('timestamp,open,high,low,close,volume\nnot-a-time,1,2,0.5,1,3\n')).toThrow(/unreadable timestamp "not-a-time"/);
  });
});

describe.skipIf(why !== '')(`resampling real bars ${why}`, () => {
  const { bars } = loadBars(TRAIN_FILE);

  it('aggregates FTX minutes 03:00–03:04 into one 5-minute bar as by hand', () => {
    // 2022-01-01 03:00..03:04 are bars 239..243 (file lines 241..245).
    const five = resample(sliceBars(bars, 239, 244), 5 * MINUTE_MS);
    expect(five.time.length).toBe(1);
    expect(new Date(five.time[0]!).toISOString()).toBe('2022-01-01T03:00:00.000Z');
    expect(five.open[0]).toBe(bars.open[239]);
    expect(five.close[0]).toBe(bars.close[243]);
    expect(five.high[0]).toBe(Math.max(...bars.high.slice(239, 244)));
    expect(five.low[0]).toBe(Math.min(...bars.low.slice(239, 244)));
    expect(five.volume[0]).toBeCloseTo(bars.volume.slice(239, 244).reduce((a, b) => a + b, 0), 6);
  });

  it('fills a missing minute with a flat bar at the last close and holds back a minute that has not closed', () => {
    const rows = [0, 1, 3].map((i) => ({ time: bars.time[i]!, open: bars.open[i]!, high: bars.high[i]!, low: bars.low[i]!, close: bars.close[i]!, volume: bars.volume[i]! }));
    const filled = resample(barsFromRows(rows), MINUTE_MS);
    expect(Array.from(filled.time)).toEqual([bars.time[0], bars.time[1], bars.time[2], bars.time[3]]);
    expect([filled.open[2], filled.high[2], filled.low[2], filled.close[2], filled.volume[2]]).toEqual([bars.close[1], bars.close[1], bars.close[1], bars.close[1], 0]);
    expect(resample(barsFromRows(rows), MINUTE_MS, bars.time[3]! + 59_999).time.length).toBe(3);
  });
});

describe('forecast band overlay data', () => {
  it('turns log-return quantiles into prices at the horizon time, one point per chart time, ascending', () => {
    const a = bandPoint(60_000, 100, 300_000, [-0.01, 0, 0.02]);
    expect(a).toEqual({ time: 360_000, low: 100 * Math.exp(-0.01), mid: 100, high: 100 * Math.exp(0.02) });
    const b = bandPoint(0, 101, 360_000, [-0.01, 0, 0.01]);
    const c = bandPoint(0, 99, 300_000, [-0.01, 0, 0.01]);
    const cols = bandColumns([a, b, c]);
    expect(Array.from(cols.time)).toEqual([300_000, 360_000]);
    expect(Array.from(cols.mid)).toEqual([99, 101]);
    expect(Array.from(cols.high)).toEqual([99 * Math.exp(0.01), 101 * Math.exp(0.01)]);
  });
});
