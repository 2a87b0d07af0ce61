import { describe, expect, it } from 'vitest';
import { negotiate } from '../../shared/protocol/codec';
import { MAX_CLIENT_FRAME, MAX_STREAMS, parseStream } from '../../shared/protocol/messages';
import { parseClientMsg, parseServerMsg } from '../../shared/protocol/validate';

describe('client message validation', () => {
  it('accepts well-formed ping, subscribe with resume and unsubscribe, dropping unknown fields', () => {
    expect(parseClientMsg('{"t":"ping","ts":17,"extra":1}')).toEqual({ ok: true, msg: { t: 'ping', ts: 17 } });
    expect(parseClientMsg('{"t":"ping","ts":17,"rx":2048}')).toEqual({ ok: true, msg: { t: 'ping', ts: 17, rx: 2048 } });
    expect(parseClientMsg('{"t":"subscribe","streams":["book:BTC-USDT-PERP:consolidated","candles:BTC-USDT:1m:okx"],"resume":{"book:BTC-USDT-PERP:consolidated":41}}')).toEqual({
      ok: true, msg: { t: 'subscribe', streams: ['book:BTC-USDT-PERP:consolidated', 'candles:BTC-USDT:1m:okx'], resume: { 'book:BTC-USDT-PERP:consolidated': 41 } },
    });
    expect(parseClientMsg('{"t":"unsubscribe","streams":["trades:BTC-USD-240927:bitmex"]}').ok).toBe(true);
  });

  it('accepts a subscribe with a rate (the bandwidth setting), and one without as before', () => {
    expect(parseClientMsg('{"t":"subscribe","streams":["book:BTC-USDT:consolidated"],"rate":{"depth":5,"bookMs":1000,"tradesMs":1000}}')).toEqual({
      ok: true, msg: { t: 'subscribe', streams: ['book:BTC-USDT:consolidated'], rate: { depth: 5, bookMs: 1000, tradesMs: 1000 } },
    });
    expect(parseClientMsg('{"t":"subscribe","streams":["book:BTC-USDT:consolidated"],"rate":{}}')).toEqual({ ok: true, msg: { t: 'subscribe', streams: ['book:BTC-USDT:consolidated'], rate: {} } });
    expect(parseClientMsg('{"t":"subscribe","streams":["book:BTC-USDT:consolidated"]}')).toEqual({ ok: true, msg: { t: 'subscribe', streams: ['book:BTC-USDT:consolidated'] } });
  });

  it.each([
    ['{"t":"ping"', 'bad_json'],
    ['[1,2]', 'bad_message'],
    ['null', 'bad_message'],
    ['{"t":"ping","ts":"now"}', 'bad_message'],
    ['{"t":"ping","ts":1e999}', 'bad_message'],
    ['{"t":"ping","ts":1,"rx":-4}', 'bad_message'],
    ['{"t":"subscribe","streams":["book:BTC-USDT\'; DROP TABLE x;--:binance"]}', 'unknown_stream'],
    ['{"t":"subscribe","streams":["book:btc-usdt:binance"]}', 'unknown_stream'],
    ['{"t":"subscribe","streams":["book:BTC-USDT:ftx"]}', 'unknown_stream'],
    ['{"t":"subscribe","streams":["candles:BTC-USDT:2m"]}', 'unknown_stream'],
    ['{"t":"subscribe","streams":[]}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"resume":{"bbo:BTC-USDT:okx":1.5}}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"resume":{"bbo:ETH-USDT:okx":1}}', 'bad_message'],
    [JSON.stringify({ t: 'subscribe', streams: Array.from({ length: MAX_STREAMS + 1 }, (_, i) => `candles:BTC-USDT:1m:${i % 2 ? 'okx' : 'kraken'}`) }), 'too_many_streams'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"rate":{"depth":0}}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"rate":{"depth":2.5}}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"rate":{"bookMs":-1}}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"rate":{"tradesMs":60000}}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"rate":{"__proto__":1}}', 'bad_message'],
    ['{"t":"subscribe","streams":["bbo:BTC-USDT:okx"],"rate":[5]}', 'bad_message'],
    ['{"t":"__proto__"}', 'bad_message'],
    ['x'.repeat(MAX_CLIENT_FRAME + 1), 'too_large'],
  ])('refuses %s with %s', (raw, code) => {
    const r = parseClientMsg(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('refuses binary client frames', () => {
    expect(parseClientMsg(new ArrayBuffer(4))).toMatchObject({ ok: false, code: 'bad_message' });
  });
});

describe('streams and subprotocols', () => {
  it('parses stream names into kind, symbol, scope and interval', () => {
    expect(parseStream('book:BTC-USDT:consolidated')).toEqual({ kind: 'book', symbol: 'BTC-USDT', scope: 'consolidated' });
    expect(parseStream('candles:ETH-USDT-PERP:15m')).toEqual({ kind: 'candles', symbol: 'ETH-USDT-PERP', scope: 'consolidated', interval: '15m' });
    expect(parseStream('candles:ETH-USDT:1d:binance-usdm')).toEqual({ kind: 'candles', symbol: 'ETH-USDT', scope: 'binance-usdm', interval: '1d' });
    expect(parseStream('trades:ETH-USDT')).toBeUndefined();
  });

  it('negotiates binary first, JSON when asked or when nothing is offered, and refuses unknown versions', () => {
    expect(negotiate('edgetape.v1.json, edgetape.v1.bin')).toEqual({ codec: 'json', protocol: 'edgetape.v1.json' });
    expect(negotiate('edgetape.v2.bin, edgetape.v1.bin')).toEqual({ codec: 'bin', protocol: 'edgetape.v1.bin' });
    expect(negotiate(null)).toEqual({ codec: 'json', protocol: undefined });
    expect(negotiate('edgetape.v9.xml')).toBeUndefined();
  });
});

describe('server message validation', () => {
  it('accepts known frames and refuses stream frames without a sequence number', () => {
    expect(parseServerMsg('{"t":"pong","ts":1,"serverTime":2}').ok).toBe(true);
    expect(parseServerMsg('{"t":"trades","stream":"trades:BTC-USDT:binance","trades":[]}')).toMatchObject({ ok: false, code: 'bad_message' });
    expect(parseServerMsg('{"t":"nope"}')).toMatchObject({ ok: false });
  });
});
