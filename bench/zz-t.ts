import { loadTimeline, replay } from '../tools/normalize';
import { DATA_DIR } from '../tools/paths';
import { ADAPTERS } from '../worker/ingest/registry';
const tl = loadTimeline([DATA_DIR + '/hftbacktest/spot/btcusdt_20240808.gz', DATA_DIR + '/hftbacktest/spot/btcusdt_20240809.gz'], () => {});
const kinds = ['depth', 'bookTicker', 'trade'];
const cpu = (f: () => void) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
for (let k = 0; k < 4; k++) {
  const row: string[] = [];
  for (const kind of kinds) {
    const fr = tl.filter((r) => r.frame.includes(`@${kind}`));
    const j = cpu(() => { for (const r of fr) JSON.parse(r.frame); });
    row.push(`${kind} n=${fr.length} json=${j.toFixed(0)}`);
  }
  const out = { event() {}, error() {} };
  const a = cpu(() => replay(ADAPTERS.binance!([]), tl, out));
  // bbo only through adapter
  const ad = ADAPTERS.binance!([]); const sink = { event() {}, error() {}, send() {}, snapshot() {} };
  const bt = tl.filter((r) => r.frame.includes('@bookTicker'));
  const b = cpu(() => { for (const r of bt) ad.parse(r.frame, r.t, sink); });
  console.log(row.join(' | '), '| adapter all', a.toFixed(0), 'adapter bbo', b.toFixed(0));
}
