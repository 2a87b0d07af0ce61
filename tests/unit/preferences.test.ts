import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, Preferences, PreferencesPatch } from '../../shared/account/schema';

describe('preferences: bandwidth and up/down colours', () => {
  it('keeps preferences stored before the new fields valid, and accepts them when set', () => {
    const old = { watchlists: [{ id: 'main', name: 'Main', symbols: ['BTC-USDT'] }], layouts: [], defaultExchanges: ['binance'], timeZone: 'Europe/Berlin', theme: 'system' };
    expect(Preferences.parse(old)).toEqual(old);
    expect(Preferences.parse(DEFAULT_PREFERENCES)).toEqual(DEFAULT_PREFERENCES);
    expect(Preferences.parse({ ...old, bandwidth: 'minimal', upDown: 'blue-orange' })).toMatchObject({ bandwidth: 'minimal', upDown: 'blue-orange' });
  });

  it('a patch of one setting leaves the others out (so it never overwrites them), and refuses unknown values', () => {
    expect(PreferencesPatch.parse({ base: 3, set: { bandwidth: 'reduced' } })).toEqual({ base: 3, set: { bandwidth: 'reduced' } });
    expect(PreferencesPatch.safeParse({ set: { bandwidth: 'tiny' } }).success).toBe(false);
    expect(PreferencesPatch.safeParse({ set: { upDown: 'purple' } }).success).toBe(false);
  });
});
