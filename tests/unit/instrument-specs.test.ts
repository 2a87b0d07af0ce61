import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExchange } from '../../tools/fake-exchange/main';
import { hasData } from '../../tools/paths';
import { decimalText } from '../../shared/market/decimal';
import { fetchSpecs } from '../../worker/objects/instrument-specs';

describe('decimalText', () => {
  it('writes ticks as the plain decimals venues use', () => {
    expect([1e-8, 0.00001, 0.1, 0.5, 1, 25, 2.5e-7, 0.0001].map(decimalText)).toEqual(['0.00000001', '0.00001', '0.1', '0.5', '1', '25', '0.00000025', '0.0001']);
  });
});

describe.skipIf(!hasData())('fetchSpecs against the fake OKX serving the recorded instrument lists', () => {
  let fake: Awaited<ReturnType<typeof startFakeExchange>>['fake'];
  let base = '';
  beforeAll(async () => {
    const started = await startFakeExchange({ venue: 'okx', recording: 'cryptofeed/OKX.ws.1.0', speed: 1, loop: false, port: 0 });
    fake = started.fake;
    base = `http://127.0.0.1:${started.port}`;
  });
  afterAll(() => fake.close());

  it('reads spot, swap and future specs from cryptofeed/OKX.0 (tickSz, lotSz, ctVal)', async () => {
    const { specs, errors } = await fetchSpecs('okx', base, ['BTC-USDT', 'UNI-USD-PERP', 'BTC-USD-220527', 'NOPE-USD']);
    expect(errors).toEqual([]);
    expect(specs).toEqual({
      'BTC-USDT': { venueSymbol: 'BTC-USDT', tickSize: 0.1, lotSize: 1e-8, contractSize: 1, tick: '0.1', lot: '0.00000001' },
      'UNI-USD-PERP': { venueSymbol: 'UNI-USD-SWAP', tickSize: 0.001, lotSize: 1, contractSize: 10, contractValue: 'inverse', tick: '0.001', lot: '1' },
      'BTC-USD-220527': { venueSymbol: 'BTC-USD-220527', tickSize: 0.1, lotSize: 1, contractSize: 100, contractValue: 'inverse', tick: '0.1', lot: '1' },
    });
  });

  it('a dead REST base gives errors per list and no specs, never a throw', async () => {
    const { specs, errors } = await fetchSpecs('okx', 'http://127.0.0.1:1', ['BTC-USDT']);
    expect(specs).toEqual({});
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^\/api\/v5\/public\/instruments\?instType=SPOT: /);
  });
});

describe.skipIf(!hasData())('fetchSpecs against the fake Bybit (recorded v2 symbols served as v5 instruments-info)', () => {
  it('reads ETH-USDT-PERP from cryptofeed/BYBIT.0; the spot list the recording lacks is an error, not a failure', async () => {
    const { fake, port } = await startFakeExchange({ venue: 'bybit', recording: 'cryptofeed/BYBIT.ws.25.0', speed: 1, loop: false, port: 0 });
    try {
      const { specs, errors } = await fetchSpecs('bybit', `http://127.0.0.1:${port}`, ['ETH-USDT-PERP', 'BTC-USD-PERP']);
      // v2: ETHUSDT tick_size "0.05", qty_step 0.01; BTCUSD is inverse, not in the linear list.
      expect(specs).toEqual({ 'ETH-USDT-PERP': { venueSymbol: 'ETHUSDT', tickSize: 0.05, lotSize: 0.01, contractSize: 1, tick: '0.05', lot: '0.01' } });
      expect(errors).toEqual(['/v5/market/instruments-info?category=spot: HTTP 404']);
    } finally {
      await fake.close();
    }
  });
});
