import { describe, expect, it } from 'vitest';
import { InstrumentState } from '../../shared/market/instrument';
import { ClientDecoder, encodeServerMsg } from '../../shared/protocol/codec';
import type { ServerMsg } from '../../shared/protocol/messages';
import { realEvents, SPOT, USDM } from '../../tools/real-events';
import { hasData, NO_DATA } from './recordings';

// Both whole recordings are decoded to find their first 3000 frames' events: seconds alone, far more on a loaded machine.
describe.skipIf(!hasData())(`binary codec on real Binance spot and USD-M updates ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it('decodes every book delta, trade batch and snapshot to exactly what JSON carries', () => {
    const s = new InstrumentState('BTC-USDT');
    const msgs: ServerMsg[] = [];
    const spot = realEvents(SPOT, 3000, 'binance', 'BTC-USDT');
    const usdm = realEvents(USDM, 3000, 'binance-usdm', 'BTC-USDT');
    for (let i = 0; i < 3000; i += 25) msgs.push(...s.apply([...spot.slice(i, i + 25), ...usdm.slice(i, i + 25)]).msgs);
    msgs.push(s.snapshot('book:BTC-USDT:consolidated'));
    const dec = new ClientDecoder();
    for (const m of msgs) if ('stream' in m && typeof m.stream === 'string') dec.add(m.stream);
    const kinds = new Set<string>();
    for (const m of msgs) {
      const bin = encodeServerMsg(m, 'bin') as Uint8Array;
      const back = dec.decode(bin);
      expect(back.ok).toBe(true);
      if (back.ok) expect(back.msg).toEqual(JSON.parse(JSON.stringify(m)));
      kinds.add(m.t);
    }
    expect([...kinds].sort()).toEqual(['bbo', 'book', 'candle', 'snapshot', 'trades']);
    expect(msgs.filter((m) => m.t === 'book' && m.stream.endsWith('consolidated')).length).toBeGreaterThan(100);
  });

  it('refuses truncated and unknown frames instead of inventing data', () => {
    const s = new InstrumentState('BTC-USDT');
    const trades = s.apply(realEvents(SPOT, 400, 'binance', 'BTC-USDT').slice(1)).msgs.find((m) => m.t === 'trades')!;
    const bin = encodeServerMsg(trades, 'bin') as Uint8Array;
    const dec = new ClientDecoder();
    dec.add(trades.stream);
    expect(dec.decode(bin.subarray(0, bin.length - 3)).ok).toBe(false);
    expect(dec.decode(new Uint8Array([9, 1, 2]))).toMatchObject({ ok: false, code: 'bad_message' });
    expect(new ClientDecoder().decode(bin)).toMatchObject({ ok: false }); // a stream this client never subscribed
  });
});
