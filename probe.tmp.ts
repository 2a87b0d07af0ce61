import { readRecording } from './tools/fake-exchange/recording';
import { replaySink, driven } from './tests/unit/drive';
import { ADAPTERS } from './worker/ingest/registry';
import type { Sink } from './worker/ingest/adapter';
const D='/work/shared/data/cryptofeed/';
const cases: [string, string[], string[]][] = [
 ['coinbase',['COINBASE.ws.28.0'],['SKL-USD','SKL-BTC','BAND-GBP','NMR-EUR','BAND-BTC','YFI-BTC','DASH-BTC','NU-GBP','CRV-EUR','SKL-GBP']],
 ['bitstamp',['BITSTAMP.ws.1.0','BITSTAMP.http.0.0'],["SGB-EUR","ETH-USD","XRP-EUR","BAT-EUR","USDT-EUR","USDT-USD","XLM-GBP","ADA-EUR","BAT-BTC","GALA-EUR"]],
 ['bitmex',['BITMEX.ws.1.0'],["XRP-BTC-210924","UNI-USDT-PERP","BTC-USD-PERP","ADA-USDT-PERP","SOL-USDT-PERP","TRX-BTC-210924","EOS-USDT-PERP","TRX-USDT-PERP","BCH-USD-PERP","MATIC-USDT-PERP"]],
];
const only = process.argv[2];
for (const [venue, files, syms] of cases) {
  if (only && venue!==only) continue;
  const recs = files.flatMap(f=>readRecording(D+f));
  const frames = recs.filter(r=>r.kind!=='rest');
  let bj=Infinity, ba=Infinity; let sum=0;
  for (let rep=0; rep<9; rep++) {
    let t0=performance.now();
    for(let k=0;k<5;k++) for(const r of recs){ const m=JSON.parse(r.frame); sum+= m?1:0; }
    bj=Math.min(bj, performance.now()-t0);
    t0=performance.now();
    for(let k=0;k<5;k++){ const a=ADAPTERS[venue as 'coinbase']!(syms); const bodies=new Map(recs.filter(r=>r.kind==='rest').map(r=>[new URL(r.url!).pathname.replace(/\/?$/,'/'),r.frame])); const sink: Sink={event:()=>{sum++},error:(m)=>{throw new Error(m)},send:()=>{},snapshot:(s,p)=>a.onSnapshot!(s,bodies.get(p)!,0,sink)}; for(const r of frames) a.parse(r.frame,r.t,sink); }
    ba=Math.min(ba, performance.now()-t0);
  }
  console.log(venue, 'JSON.parse', (recs.length*5/bj*1000|0),'msg/s', 'adapter',(frames.length*5/ba*1000|0),'msg/s', 'ratio', (ba/bj).toFixed(2));
}
