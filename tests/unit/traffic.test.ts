import { describe, expect, it } from 'vitest';
import { TrafficMeter } from '../../app/workers/traffic';

describe('traffic meter (bytes per minute, rolling)', () => {
  it('scales the first seconds to a minute, then counts exactly the last 60 s', () => {
    const t0 = 1_700_000_000_000;
    const m = new TrafficMeter(t0);
    m.add(1000, t0 + 100);
    m.add(1000, t0 + 9_500);
    expect(m.perMinute(t0 + 10_000)).toEqual({ bytesPerMinute: 12_000, windowMs: 10_000 });
    for (let s = 10; s < 70; s++) m.add(500, t0 + s * 1000 + 200);
    // seconds 10..69 are in the window ending at 69.x s; the two early frames have rolled out
    expect(m.perMinute(t0 + 69_900)).toEqual({ bytesPerMinute: 30_000, windowMs: 60_000 });
    expect(m.total).toBe(32_000);
    // a silent minute empties it
    expect(m.perMinute(t0 + 200_000).bytesPerMinute).toBe(0);
  });
});

describe('number formatting at tick precision', () => {
  it('finds a tick or price’s decimals and formats at them', async () => {
    const { decimalsOf, price, spoken, utc } = await import('../../app/format');
    expect([0.01, 61800.3, 61837.63, 1, 0.5, 1e-8, 0.00001234, 0.1 + 0.2].map(decimalsOf)).toEqual([2, 1, 2, 0, 1, 8, 8, 1]); // float noise (0.30000000000000004) is not a tick
    expect(price(61800.3, 2)).toBe('61,800.30');
    expect(price(0.00001234, 8)).toBe('0.00001234');
    expect(price(null, 2)).toBe('—');
    expect(spoken(61800.3, 2)).toBe('61800.30');
    expect(utc(Date.UTC(2024, 7, 8, 13, 5, 7, 250))).toBe('2024-08-08 13:05:07.250 UTC');
  });
});
