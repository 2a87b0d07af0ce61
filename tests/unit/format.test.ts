import { describe, expect, it } from 'vitest';
import { decimalsOf, price, spoken, tickDecimals } from '../../app/format';
import { decimalText } from '../../shared/market/decimal';
import { parseBinanceExchangeInfo } from '../../worker/ingest/binance-instruments';
import { readRecording } from '../../tools/fake-exchange/recording';
import { hasData, resolveRecording } from '../../tools/paths';

describe('tickDecimals', () => {
  it('reads the decimals of a tick as a venue writes it, padding zeros or not', () => {
    expect(['0.01', '0.01000000', '0.00001000', '0.5', '1', '25', '1.00000000', '0.00000001', '0.000000000001'].map(tickDecimals)).toEqual([2, 2, 5, 1, 0, 0, 0, 8, 12]);
  });
});

describe.skipIf(!hasData())('prices at the tick of the recorded Binance exchangeInfo', () => {
  const body = readRecording(resolveRecording('cryptofeed/BINANCE.0')).find((r) => r.kind === 'rest')!.frame;
  const { instruments } = parseBinanceExchangeInfo(body, 'binance');
  const tickOf = (venueSymbol: string) => decimalText(instruments.find((i) => i.venueSymbol === venueSymbol)!.tickSize);

  it('BTCUSDT (tick 0.01) shows cents even when the last price seen is round to a dime', () => {
    const tick = tickOf('BTCUSDT');
    expect(tick).toBe('0.01');
    const d = tickDecimals(tick);
    // The guess from a price seen would drop a decimal the venue quotes in.
    expect(decimalsOf(61837.6)).toBe(1);
    expect([price(61837.6, d), spoken(61837.6, d)]).toEqual(['61,837.60', '61837.60']);
  });

  it('a satoshi-priced pair (LRCBTC, tick 0.00000001) shows all eight decimals', () => {
    const tick = tickOf('LRCBTC');
    expect(tick).toBe('0.00000001');
    expect(price(0.0000078, tickDecimals(tick))).toBe('0.00000780');
  });
});
