import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_FRAME } from '../../shared/protocol/messages';
import { parseClientMsg, parseServerMsg } from '../../shared/protocol/validate';

describe('client message validation', () => {
  it('accepts well-formed ping and subscribe, dropping unknown fields', () => {
    expect(parseClientMsg('{"t":"ping","ts":17,"extra":1}')).toEqual({ ok: true, msg: { t: 'ping', ts: 17 } });
    expect(parseClientMsg('{"t":"subscribe","symbol":"BTC-USDT-PERP"}')).toEqual({ ok: true, msg: { t: 'subscribe', symbol: 'BTC-USDT-PERP' } });
    expect(parseClientMsg('{"t":"subscribe","symbol":"BTC-USD-240927"}').ok).toBe(true);
  });

  it.each([
    ['{"t":"ping"', 'bad_json'],
    ['[1,2]', 'bad_message'],
    ['null', 'bad_message'],
    ['{"t":"ping","ts":"now"}', 'bad_message'],
    ['{"t":"ping","ts":1e999}', 'bad_message'],
    ['{"t":"subscribe","symbol":"BTC-USDT\'; DROP TABLE x;--"}', 'bad_message'],
    ['{"t":"subscribe","symbol":"btc-usdt"}', 'bad_message'],
    ['{"t":"__proto__"}', 'bad_message'],
    ['x'.repeat(MAX_CLIENT_FRAME + 1), 'too_large'],
  ])('refuses %s with %s', (raw, code) => {
    const r = parseClientMsg(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('refuses binary frames on the JSON protocol', () => {
    expect(parseClientMsg(new ArrayBuffer(4))).toMatchObject({ ok: false, code: 'bad_message' });
  });
});

describe('server message validation', () => {
  it('accepts known frames and refuses trades without a sequence number', () => {
    expect(parseServerMsg('{"t":"pong","ts":1,"serverTime":2}').ok).toBe(true);
    expect(parseServerMsg('{"t":"trade","stream":"trades:BTC-USDT:binance","data":{}}')).toMatchObject({ ok: false, code: 'bad_message' });
    expect(parseServerMsg('{"t":"nope"}')).toMatchObject({ ok: false });
  });
});
