import { SELF } from 'cloudflare:test';
import { ClientDecoder } from '../../shared/protocol/codec';
import type { ClientMsg, ServerMsg } from '../../shared/protocol/messages';
import { SUBPROTOCOLS } from '../../shared/protocol/messages';

/** A browser-like client on /ws that decodes and records every server frame. */
export async function connect(opts: { codec?: 'json' | 'bin'; headers?: Record<string, string> } = {}) {
  const res = await SELF.fetch('http://edge.test/ws', {
    headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': SUBPROTOCOLS[opts.codec ?? 'json'], ...opts.headers },
  });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  (ws as { binaryType?: string }).binaryType = 'arraybuffer';
  ws.accept();
  const decoder = new ClientDecoder();
  const received: ServerMsg[] = [];
  const bytes: number[] = [];
  let closed: { code: number; reason: string } | undefined;
  // Acknowledges what it has read (ping rx) as the data worker does; a paused client stops, as a slow one would.
  let acks = true;
  let rx = 0;
  ws.addEventListener('message', (e) => {
    const data = e.data as string | ArrayBuffer;
    const n = typeof data === 'string' ? data.length : data.byteLength;
    bytes.push(n);
    rx += n;
    const r = decoder.decode(data);
    if (!r.ok) throw new Error(r.message);
    received.push(r.msg);
    if (acks && r.msg.t !== 'pong') ws.send(JSON.stringify({ t: 'ping', ts: 0, rx }));
  });
  ws.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason };
  });
  /** Resolves once `pred` holds over what arrived, polling; fails after `ms`. */
  const until = async (pred: (msgs: ServerMsg[]) => boolean, ms = 10_000): Promise<ServerMsg[]> => {
    const end = Date.now() + ms;
    while (!pred(received)) {
      if (Date.now() > end) throw new Error(`condition not met; got ${received.length} frames: ${JSON.stringify(received.slice(-3)).slice(0, 600)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return received;
  };
  const send = (m: ClientMsg) => {
    if (m.t === 'subscribe') for (const s of m.streams) decoder.add(s);
    ws.send(JSON.stringify(m));
  };
  const pauseAcks = (paused: boolean) => {
    acks = !paused;
    if (acks) ws.send(JSON.stringify({ t: 'ping', ts: 0, rx }));
  };
  return { ws, pauseAcks, protocol: res.headers.get('Sec-WebSocket-Protocol'), received, bytes, until, send, closed: () => closed };
}
