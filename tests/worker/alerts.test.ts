import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import type { Tick } from '../../shared/risk/alerts';
import type { AlertDesk } from '../../worker/objects/AlertDesk';
import { alertDeskStub, hubStub, portfolioStub } from '../../worker/objects/stubs';
import type { HookRequest } from './webhook-sink';

const ticks = (prices: number[], from = 1): Tick[] => prices.map((price, i) => ({ seq: from + i, ts: 1_723_161_255_000 + i, price }));
const stop = (id: string, user: string, level: number) => ({
  id, user, symbol: 'BTC-USDT', hysteresis: 0, rule: { kind: 'stop' as const, position: 'long' as const, level },
});

describe('alerts fire exactly once', () => {
  it('a stop hit just before the object is aborted is delivered after restart, once, and replayed ticks add nothing', async () => {
    await alertDeskStub(env, 'BTC-USDT').upsert(stop('stop-1', 'alice', 61_000));
    // Evaluation commits the firing to the outbox; the object dies in the same breath, before any delivery.
    await runInDurableObject(alertDeskStub(env, 'BTC-USDT'), async (desk: AlertDesk, state) => {
      expect(await desk.ticks(ticks([61_100, 61_050, 60_990, 60_900]))).toMatchObject({ nextSeq: 5, fired: 1 });
      expect(await portfolioStub(env, 'alice').inbox()).toEqual([]);
      state.abort('crash between evaluation and delivery');
    }).catch((e: Error) => expect(e.message).toMatch(/crash between evaluation and delivery/));
    const desk = alertDeskStub(env, 'BTC-USDT'); // a fresh object, rebuilt from storage
    await runDurableObjectAlarm(desk); // the delivery alarm survived the crash (it may already have run)
    await expect.poll(() => desk.outbox()).toEqual([]);
    const inbox = await portfolioStub(env, 'alice').inbox();
    expect(inbox.map((e) => [e.firing.alertId, e.firing.n, e.firing.seq, e.firing.price])).toEqual([['stop-1', 1, 3, 60_990]]);
    // The hub resends the whole batch, and older ticks arrive late: nothing fires again.
    expect(await desk.ticks(ticks([61_100, 61_050, 60_990, 60_900]))).toMatchObject({ nextSeq: 5, fired: 0 });
    expect(await desk.ticks(ticks([60_800, 60_700], 5))).toMatchObject({ nextSeq: 7, fired: 0 });
    expect(await runDurableObjectAlarm(desk)).toBe(false);
    expect(await portfolioStub(env, 'alice').inbox()).toHaveLength(1);
    expect((await desk.get('stop-1'))?.state).toMatchObject({ phase: 'done', firings: 1 });
  });

  it('a crash mid-stream loses no firing: the desk reports where it stands and the resend fills the rest', async () => {
    const desk = alertDeskStub(env, 'ETH-USDT');
    await desk.upsert({ id: 'x-up', user: 'frank', symbol: 'ETH-USDT', hysteresis: 0.01, rule: { kind: 'cross', direction: 'above', level: 100 } });
    // seq 3 and 4 arrive before 2: held back until 2 arrives
    expect(await desk.ticks(ticks([99, 101], 1).slice(0, 1))).toMatchObject({ nextSeq: 2, fired: 0 });
    expect(await desk.ticks(ticks([98, 102], 3))).toMatchObject({ nextSeq: 2, fired: 0 });
    await abortAllDurableObjects(); // the held-back ticks are lost with the process
    const again = alertDeskStub(env, 'ETH-USDT');
    expect(await again.ticks(ticks([101], 2))).toMatchObject({ nextSeq: 3, fired: 1 });
    // the hub resends from nextSeq = 3: 98 re-arms (below 99), 102 fires the second time
    expect(await again.ticks(ticks([98, 102], 3))).toMatchObject({ nextSeq: 5, fired: 1 });
    await expect.poll(async () => (await portfolioStub(env, 'frank').inbox()).map((e) => e.firing.n)).toEqual([1, 2]);
  });

  it('a delivery repeated by the desk is stored once by the portfolio', async () => {
    const p = portfolioStub(env, 'bob');
    const f = { alertId: 'x', n: 1, seq: 9, ts: 1, price: 2, symbol: 'BTC-USDT', rule: null };
    expect(await p.receiveFiring(f)).toEqual({ fresh: true });
    expect(await p.receiveFiring(f)).toEqual({ fresh: false });
    expect(await p.receiveFiring({ ...f, n: 2 })).toEqual({ fresh: true });
    expect((await p.inbox()).map((e) => e.firing.n)).toEqual([1, 2]);
  });

  it('pending firings reach a notification socket on reconnect until acknowledged', async () => {
    const p = portfolioStub(env, 'carol');
    await p.receiveFiring({ alertId: 'a', n: 1, seq: 1, ts: 1, price: 1, symbol: 'BTC-USDT', rule: null });
    const open = async () => {
      const res = await p.fetch('http://portfolio/notifications', { headers: { Upgrade: 'websocket' } });
      const ws = res.webSocket!;
      const got: { t: string; firing?: { alertId: string; n: number } }[] = [];
      ws.addEventListener('message', (e) => {
        got.push(JSON.parse(e.data as string) as (typeof got)[number]);
      });
      ws.accept();
      return { ws, got };
    };
    const first = await open();
    await expect.poll(() => first.got.length).toBe(1);
    expect(first.got[0]).toMatchObject({ t: 'firing', firing: { alertId: 'a', n: 1 } });
    first.ws.close(); // the tablet went to sleep before acknowledging
    const second = await open();
    await expect.poll(() => second.got.length).toBe(1);
    second.ws.send(JSON.stringify({ t: 'ack', alertId: 'a', n: 1 }));
    await expect.poll(() => second.got.some((m) => m.t === 'acked')).toBe(true);
    second.ws.close();
    const third = await open();
    await p.receiveFiring({ alertId: 'a', n: 2, seq: 5, ts: 5, price: 1, symbol: 'BTC-USDT', rule: null });
    await expect.poll(() => third.got.length).toBe(1);
    expect(third.got[0]).toMatchObject({ firing: { n: 2 } });
    third.ws.close();
  });

  it('webhooks are signed, keyed, retried with back-off after failures, and delivered once', async () => {
    const sink = inject('webhookUrl');
    await fetch(`${sink}/__fail?n=2`, { method: 'POST' });
    const p = portfolioStub(env, 'dave');
    expect(await p.setWebhook({ url: 'ftp://example.com/x', secret: 'x'.repeat(20) })).toEqual({ ok: false, error: 'webhook url must be https' });
    expect(await p.setWebhook({ url: `${sink}/hook`, secret: 'short' })).toMatchObject({ ok: false });
    expect(await p.setWebhook({ url: `${sink}/hook`, secret: 'a-long-enough-secret' })).toEqual({ ok: true });
    await p.receiveFiring({ alertId: 'w', n: 1, seq: 3, ts: 3, price: 60_000, symbol: 'BTC-USDT', rule: null });
    for (let i = 0; i < 3; i++) {
      await runDurableObjectAlarm(p); // 1st and 2nd answer 500, 3rd succeeds
      await new Promise((r) => setTimeout(r, 2_100 * i)); // wait out the back-off before the next try
    }
    await expect.poll(async () => ((await (await fetch(`${sink}/__log`)).json()) as HookRequest[]).length, { timeout: 10_000 }).toBe(3);
    const log = (await (await fetch(`${sink}/__log`)).json()) as HookRequest[];
    expect(log.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(log.map((r) => r.key))).toEqual(new Set(['w:1']));
    for (const r of log) {
      const [, t, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature)!;
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('a-long-enough-secret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      const bytes = new Uint8Array(mac!.match(/../g)!.map((h) => parseInt(h, 16)));
      expect(await crypto.subtle.verify('HMAC', key, bytes, new TextEncoder().encode(`${t}.${r.body}`))).toBe(true);
      expect(JSON.parse(r.body)).toMatchObject({ alertId: 'w', n: 1, price: 60_000 });
    }
  });

  it('a fills CSV with bad rows imports nothing; a good one gives FIFO positions', async () => {
    const p = portfolioStub(env, 'erin');
    const bad = await p.importFills('timestamp,exchange,symbol,side,price,amount\n1723161255,binance,BTC-USDT,buy,100,1\nnope,binance,BTC-USDT,buy,1,1\n');
    expect(bad).toEqual({ ok: false, errors: [{ line: 3, message: 'timestamp "nope" is not Unix ms, Unix s or ISO 8601' }] });
    expect(await p.fills()).toEqual([]);
    const good = await p.importFills("timestamp,exchange,symbol,side,price,amount,fee\n1,binance,BTC-USDT,buy,100,1,0\n2,binance,BTC-USDT,buy,110,1,0\n3,binance,BTC-USDT,sell,120,1.5,0\n4,binance,ETH-USDT,buy,5,1,'); DROP TABLE fills;--\n");
    expect(good).toMatchObject({ ok: false });
    expect(await p.importFills('timestamp,exchange,symbol,side,price,amount,fee\n1000000000000,binance,BTC-USDT,buy,100,1,0\n1000000000001,binance,BTC-USDT,buy,110,1,0\n1000000000002,binance,BTC-USDT,sell,120,1.5,0\n')).toEqual({ ok: true, imported: 3 });
    expect(await p.positions('fifo')).toMatchObject([{ symbol: 'BTC-USDT', qty: 0.5, cost: 55, realized: 25 }]);
  });
});

describe('web push', () => {
  it('a firing reaches the push service once, VAPID-signed and encrypted so only the browser can read it', async () => {
    const sink = inject('webhookUrl');
    await fetch(`${sink}/__fail?n=0`, { method: 'POST' });
    // the browser's side: its P-256 key pair and auth secret, as PushManager.subscribe() makes them
    const ua = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
    const uaPublic = new Uint8Array((await crypto.subtle.exportKey('raw', ua.publicKey)) as ArrayBuffer);
    const auth = crypto.getRandomValues(new Uint8Array(16));
    const b64u = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const p = portfolioStub(env, 'gina');
    expect(await p.addPushSubscription({ endpoint: `${sink}/push/sub-1`, keys: { p256dh: b64u(uaPublic), auth: b64u(auth) } })).toEqual({ ok: true });
    await p.receiveFiring({ alertId: 'p', n: 1, seq: 1, ts: 1, price: 59_999.5, symbol: 'BTC-USDT', rule: { kind: 'stop', position: 'long', level: 60_000 } });
    await p.receiveFiring({ alertId: 'p', n: 1, seq: 1, ts: 1, price: 59_999.5, symbol: 'BTC-USDT', rule: null }); // redelivered: ignored
    await runDurableObjectAlarm(p); // the delivery alarm may already be running on its own: wait for the push service
    const pushesSoFar = async () => ((await (await fetch(`${sink}/__log`)).json()) as HookRequest[]).filter((r) => r.path === '/push/sub-1');
    await expect.poll(async () => (await pushesSoFar()).length).toBe(1);
    await runDurableObjectAlarm(p);
    const pushes = await pushesSoFar();
    expect(pushes).toHaveLength(1);
    const push = pushes[0]!;
    expect(push.encoding).toBe('aes128gcm');

    // VAPID: an ES256 JWT for the push service's origin, verifiable with the key in k=
    const [, jwt, k] = /^vapid t=([^,]+), k=(.+)$/.exec(push.authorization)!;
    const [h, c, s] = jwt!.split('.');
    const fromB64u = (t: string) => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((t.length + 3) % 4)), (ch) => ch.charCodeAt(0));
    const vapidKey = await crypto.subtle.importKey('raw', fromB64u(k!), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, vapidKey, fromB64u(s!), new TextEncoder().encode(`${h}.${c}`))).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(fromB64u(c!)))).toMatchObject({ aud: new URL(sink).origin, sub: 'mailto:test@edgetape.invalid' });

    // RFC 8291 from the receiving side: salt ‖ rs ‖ idlen ‖ keyid ‖ ciphertext
    const body = Uint8Array.from(atob(push.b64), (ch) => ch.charCodeAt(0));
    const salt = body.slice(0, 16);
    expect(new DataView(body.buffer).getUint32(16)).toBe(4096);
    const asPublic = body.slice(21, 21 + body[20]!);
    const sealed = body.slice(21 + body[20]!);
    const asKey = await crypto.subtle.importKey('raw', asPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: asKey } as unknown as SubtleCryptoDeriveKeyAlgorithm, ua.privateKey, 256);
    const derive = async (saltB: BufferSource, ikm: BufferSource, info: BufferSource, n: number) =>
      new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: saltB, info }, await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']), n * 8));
    const te = new TextEncoder();
    const ikm = await derive(auth, shared, new Uint8Array([...te.encode('WebPush: info\0'), ...uaPublic, ...asPublic]), 32);
    const cek = await derive(salt, ikm, te.encode('Content-Encoding: aes128gcm\0'), 16);
    const nonce = await derive(salt, ikm, te.encode('Content-Encoding: nonce\0'), 12);
    const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce }, await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt']), sealed));
    expect(plain.at(-1)).toBe(2);
    expect(JSON.parse(new TextDecoder().decode(plain.slice(0, -1)))).toEqual({ title: 'BTC-USDT alert', body: 'stop-loss 60000 hit at 59999.5', key: 'p:1' });
  });
});

describe('alerts fed by the hub', () => {
  const trade = (i: number, price: number): MarketEvent => ({
    type: 'trade', exchange: 'kraken', symbol: 'SOL-USD', id: `s${i}`, price, amount: 1, side: 'buy', ts: 1_723_161_255_000 + i, recvTs: 1,
  });
  const feed: FeedStatus = { exchange: 'kraken', state: 'live', mode: 'replay', lastMessageAt: 1, reconnects: 0 };

  it('a stop set after trading began judges only later trades, and fires once when the hub\'s trades cross it', async () => {
    const hub = hubStub(env, 'SOL-USD');
    await hub.ingest([trade(1, 150), trade(2, 140)], feed); // history the new alert must not be judged against
    await alertDeskStub(env, 'SOL-USD').upsert({ id: 'sol-stop', user: 'ivy', symbol: 'SOL-USD', hysteresis: 0, rule: { kind: 'stop', position: 'long', level: 145 } });
    await hub.ingest([trade(3, 150), trade(4, 149)], feed);
    await hub.ingest([trade(5, 144.5), trade(6, 144)], feed);
    await hub.ingest([trade(7, 143)], feed);
    await expect.poll(async () => (await portfolioStub(env, 'ivy').inbox()).map((e) => [e.firing.alertId, e.firing.n, e.firing.price])).toEqual([['sol-stop', 1, 144.5]]);
    await expect.poll(async () => (await alertDeskStub(env, 'SOL-USD').get('sol-stop'))?.state.phase).toBe('done');
  });
});
