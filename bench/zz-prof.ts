import { loadTimeline, replay } from '../tools/normalize';
import { DATA_DIR } from '../tools/paths';
import { ADAPTERS } from '../worker/ingest/registry';
const tl = loadTimeline([DATA_DIR + '/hftbacktest/usdm/btcusdt_20240808.gz'], () => {});
const out = { event() {}, error() {} };
for (let k = 0; k < 6; k++) {
  let c = process.cpuUsage(); for (const r of tl) JSON.parse(r.frame); const j = process.cpuUsage(c);
  c = process.cpuUsage(); replay(ADAPTERS['binance-usdm']!([]), tl, out); const a = process.cpuUsage(c);
  console.log('json', (j.user + j.system) / 1000, 'adapter', (a.user + a.system) / 1000, ((a.user + a.system) / (j.user + j.system)).toFixed(2));
}
