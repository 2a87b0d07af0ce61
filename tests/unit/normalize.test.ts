import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalize } from '../../tools/normalize';
import { REPO_ROOT } from '../../tools/paths';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

const cli = (...args: string[]) => {
  const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'tools/normalize.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  return { status: r.status, lines: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), stderr: r.stderr };
};

// Each test starts the CLI under tsx (a compile and a Node start) on real recordings: seconds alone, far more on a loaded machine.
describe.skipIf(!hasData())(`npm run normalize ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it('normalizes the cryptofeed Binance spot recording with its http snapshots: events, then one exact summary per instrument', () => {
    const { status, lines, stderr } = cli('--exchange', 'binance', '--input', 'cryptofeed/BINANCE.ws.1.0');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const summaries = lines.filter((l) => l.type === 'summary');
    expect(lines.slice(-4)).toEqual(summaries);
    const common = { type: 'summary', exchange: 'binance', gaps: 0, checksumOk: 0, checksumFailed: 0, errors: 0, resyncs: 0, state: 'live' };
    expect(summaries).toEqual([
      { ...common, symbol: 'BLZ-ETH', bestBid: 0.00006547, bestBidSize: 100, bestAsk: 0.0000656, bestAskSize: 1528, events: 10 },
      { ...common, symbol: 'LRC-BTC', bestBid: 0.00000637, bestBidSize: 2500, bestAsk: 0.00000638, bestAskSize: 2285, events: 23 },
      { ...common, symbol: 'NKN-USDT', bestBid: 0.3527, bestBidSize: 9602, bestAsk: 0.3531, bestAskSize: 152, events: 224 },
      { ...common, symbol: 'RUNE-EUR', bestBid: 6.251, bestBidSize: 69.3, bestAsk: 6.269, bestAskSize: 69.3, events: 1 },
    ]);
    expect(lines.find((l) => l.type === 'trade')).toEqual({
      type: 'trade', exchange: 'binance', symbol: 'NKN-USDT', id: expect.any(String), price: expect.any(Number), amount: expect.any(Number),
      side: expect.stringMatching(/^(buy|sell)$/), ts: expect.any(Number), recvTs: expect.any(Number),
    });
    const snapshot = lines.find((l) => l.type === 'book')!;
    expect(snapshot).toMatchObject({ kind: 'snapshot', symbol: 'NKN-USDT', seq: 499869754 });
    expect((snapshot.bids as number[][])[0]).toEqual([0.3521, 672]);
  });

  it('reports bad lines on stderr with their numbers and carries on', () => {
    const frames = recording(SPOT_0808).slice(0, 30).map((r) => r.frame);
    const dir = mkdtempSync(join(tmpdir(), 'edgetape-normalize-'));
    const file = join(dir, 'raw.jsonl');
    writeFileSync(file, [frames[0], 'not a frame', frames[1], frames[2]!.slice(0, 40), ...frames.slice(3)].join('\n'));
    const { status, lines, stderr } = cli('--exchange', 'binance', '--input', file);
    expect(status).toBe(0);
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      'raw.jsonl:2: not a line of any known recording format: not a frame',
      `raw.jsonl:4: binance: frame is not JSON: ${frames[2]!.slice(0, 40)}`,
    ]);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', symbol: 'BTC-USDT', errors: 0, state: 'live' });
    // 30 frames, one lost to truncation: its events are missing, the rest are all there.
    expect(summary.events).toBe(lines.length - 1);
    expect(lines.filter((l) => l.type === 'trade').length + lines.filter((l) => l.type === 'bbo').length).toBeGreaterThan(10);
  });

  it('reads the edgetape recording format (inline REST snapshot with its URL) to the same result as the hftbacktest file', () => {
    const recs = recording(SPOT_0808).slice(0, 3_000);
    const dir = mkdtempSync(join(tmpdir(), 'edgetape-normalize-'));
    const hbt = join(dir, 'spot.hbt');
    const etr = join(dir, 'spot.etr.jsonl');
    writeFileSync(hbt, recs.map((r) => `${BigInt(Math.round(r.t * 1000)) * 1000n} ${r.frame}`).join('\n'));
    writeFileSync(etr, [
      JSON.stringify({ edgetape: 1, exchange: 'binance', symbols: ['BTC-USDT'], started: recs[0]!.t }),
      JSON.stringify({ t: recs[0]!.t, k: 'open', url: 'wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms' }),
      ...recs.map((r) => JSON.stringify(r.kind === 'rest'
        ? { t: r.t, k: 'rest', url: 'https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000', d: r.frame }
        : { t: r.t, k: 'ws', d: r.frame })),
    ].join('\n'));
    const run = (f: string) => {
      const errors: string[] = [];
      let events = 0;
      const summary = normalize('binance', [f], { event: () => events++, error: (_f, l, m) => errors.push(`${l}: ${m}`) });
      return { summary, errors, events };
    };
    const a = run(hbt);
    const b = run(etr);
    expect(a.errors).toEqual([]);
    expect(b).toEqual(a);
    expect(a.summary).toMatchObject([{ symbol: 'BTC-USDT', state: 'live', gaps: 0 }]);
    expect(a.events).toBeGreaterThan(2_900);
  });
});
