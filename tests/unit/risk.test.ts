import { describe, expect, it } from 'vitest';
import { parseFillsCsv, type Fill } from '../../shared/risk/fills';
import { drawdown, exposure, totalPnl } from '../../shared/risk/portfolio';
import { buildPositions, entryPrice, unrealized } from '../../shared/risk/positions';
import { normInv } from '../../shared/risk/stats';
import { backtestVar, historicalRisk, kupiec, logReturns, parametricRisk } from '../../shared/risk/var';
import { readFileSync } from 'node:fs';
import { parseOhlcvCsv } from '../../shared/ml/ohlcv';
import { DATA_DIR } from '../../tools/paths';

const readOhlcv = (file: string) => parseOhlcvCsv(readFileSync(file, 'utf8')).bars;
import { hasData, NO_DATA } from './recordings';

const fill = (side: 'buy' | 'sell', amount: number, price: number, fee = 1): Fill => ({
  ts: 0, exchange: 'binance', symbol: 'BTC-USDT', side, price, amount, fee,
});

describe('cost basis and P&L, worked by hand', () => {
  const fills = [fill('buy', 1, 100), fill('buy', 1, 110), fill('sell', 1.5, 120)];

  it('FIFO closes the oldest lot first', () => {
    const [p] = buildPositions(fills, 'fifo');
    // sell 1.5 @120: 1 @100 → +20, 0.5 @110 → +5; left 0.5 @110
    expect(p).toMatchObject({ qty: 0.5, cost: 55, realized: 25, fees: 3 });
    expect(entryPrice(p!)).toBe(110);
    expect(unrealized(p!, 130)).toBe(10);
  });

  it('average cost keeps one lot at the running average', () => {
    const [p] = buildPositions(fills, 'average');
    // average 105 for 2; sell 1.5 @120 → +22.5; left 0.5 @105
    expect(p).toMatchObject({ qty: 0.5, cost: 52.5, realized: 22.5 });
    expect(unrealized(p!, 130)).toBe(12.5);
  });

  it('a fill through zero closes the long and opens a short with the rest', () => {
    const [fifo] = buildPositions([...fills, fill('sell', 1, 125)], 'fifo');
    expect(fifo).toMatchObject({ qty: -0.5, cost: -62.5, realized: 32.5, fees: 4 });
    expect(unrealized(fifo!, 120)).toBe(2.5);
    const [avg] = buildPositions([...fills, fill('sell', 1, 125)], 'average');
    expect(avg).toMatchObject({ qty: -0.5, cost: -62.5, realized: 32.5 });
  });

  it('exposure, concentration, total P&L and drawdown', () => {
    const positions = buildPositions(
      [fill('buy', 1, 100), { ...fill('sell', 10, 20), symbol: 'ETH-USDT', exchange: 'coinbase' }],
      'fifo',
    );
    const e = exposure(positions, { 'BTC-USDT': 120, 'ETH-USDT': 18 });
    expect(e).toMatchObject({ byAsset: { BTC: 120, ETH: -180 }, byExchange: { binance: 120, coinbase: -180 }, gross: 300, net: -60 });
    expect(e.concentration).toBeCloseTo(0.4 ** 2 + 0.6 ** 2, 12);
    expect(e.largestShare).toBeCloseTo(0.6, 12);
    expect(totalPnl(positions, { 'BTC-USDT': 120, 'ETH-USDT': 18 })).toBe(20 + 20 - 2);
    const dd = drawdown([100, 120, 90, 130, 65]);
    expect(dd.max).toBe(0.5);
    expect(dd.maxAt).toBe(4);
    expect([...dd.drawdown]).toEqual([0, 0, 0.25, 0, 0.5]);
  });
});

describe('CSV import of fills', () => {
  it('reports every bad row with its line and imports nothing', () => {
    const csv = [
      'timestamp,exchange,symbol,side,price,amount,fee,id',
      '2024-08-08T23:54:15Z,binance,BTC-USDT,buy,61837.63,0.02,0.1,a1',
      '1723161255342,binance,BTC-USDT,sell,61840,0.01,,a2',
      'yesterday,binance,BTC-USDT,buy,1,1,,a3',
      '1723161255,mtgox,BTC/USD,hold,-5,abc,,a4',
      '1723161256,kraken,BTC-USD,buy,60000,1,x,a1',
    ].join('\n');
    const r = parseFillsCsv(csv);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.line)).toEqual([4, 5, 6]);
    expect(r.errors[0]!.message).toMatch(/timestamp "yesterday"/);
    expect(r.errors[1]!.message.split('; ')).toHaveLength(5);
    expect(r.errors[2]!.message).toMatch(/fee "x".*fill id a1 appears twice/);
  });

  it('accepts Unix ms, Unix s and ISO timestamps and sorts by time', () => {
    const r = parseFillsCsv('timestamp,exchange,symbol,side,price,amount\n1723161256,okx,BTC-USDT,sell,2,1\n2024-08-08 23:54:15,okx,BTC-USDT,buy,1,1\n');
    expect(r).toEqual({
      ok: true,
      fills: [
        { ts: 1723161255000, exchange: 'okx', symbol: 'BTC-USDT', side: 'buy', price: 1, amount: 1, fee: 0 },
        { ts: 1723161256000, exchange: 'okx', symbol: 'BTC-USDT', side: 'sell', price: 2, amount: 1, fee: 0 },
      ],
    });
  });
});

describe('VaR and expected shortfall', () => {
  it('normal quantiles and Kupiec against known values', () => {
    expect(normInv(0.05)).toBeCloseTo(-1.6448536269514722, 8);
    expect(normInv(0.01)).toBeCloseTo(-2.3263478740408408, 8);
    const k = kupiec(10, 250, 0.99);
    expect(k.lr).toBeCloseTo(12.955491, 5);
    expect(k.pValue).toBeCloseTo(0.000319, 5);
    expect(kupiec(0, 100, 0.99).lr).toBeCloseTo(-2 * 100 * Math.log(0.99), 10);
  });

  it.skipIf(!hasData())(`historical and parametric figures equal a direct computation on the Coinbase hourly bars ${hasData() ? '' : NO_DATA}`, () => {
    const { close } = readOhlcv(`${DATA_DIR}/ohlcv/Coinbase_BTCUSD_1h.csv`);
    expect(close).toHaveLength(20_106); // 20,111 hours less the five copied rows the data README describes
    const r = logReturns(close);
    // direct: sort the hourly log returns, take the 5 % order statistic and the mean beyond it
    const sorted = [...r].sort((a, b) => a - b);
    const k = Math.floor(0.05 * sorted.length);
    const tail = sorted.slice(0, k + 1);
    const h = historicalRisk(r, 0.95, 1);
    expect(h.var).toBe(1 - Math.exp(sorted[k]!));
    expect(h.es).toBeCloseTo(1 - Math.exp(tail.reduce((a, b) => a + b, 0) / tail.length), 14);
    expect(h.es).toBeGreaterThan(h.var);
    const mu = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mu) ** 2, 0) / (r.length - 1));
    const p = parametricRisk(r, 0.99, 24);
    expect(p.var).toBeCloseTo(1 - Math.exp(24 * mu - 2.3263478740408408 * sd * Math.sqrt(24)), 9);
  });

  it.skipIf(!hasData())('walk-forward backtest counts exceptions exactly as a naive loop does', () => {
    const r = logReturns(readOhlcv(`${DATA_DIR}/ohlcv/ftx-btc-perp-1m-train.csv`).close).slice(0, 6_000);
    const bt = backtestVar(r, 1_440, 0.99, 'historical', 60);
    let trials = 0;
    let exceptions = 0;
    for (let t = 1_440; t + 60 <= r.length; t += 60) {
      const v = historicalRisk(r.slice(t - 1_440, t), 0.99, 60).var;
      let sum = 0;
      for (let i = t; i < t + 60; i++) sum += r[i]!;
      trials++;
      if (1 - Math.exp(sum) > v) exceptions++;
    }
    expect(bt).toMatchObject({ trials, exceptions });
    expect(trials).toBe(76);
  });
});
