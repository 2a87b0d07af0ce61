import { SELF } from 'cloudflare:test';
import type { ServerMsg } from '../../shared/protocol/messages';

/** A browser-like client on /ws that records every server frame. */
export async function connect(path = '/ws') {
  const res = await SELF.fetch(`http://edge.test${path}`, { headers: { Upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  const received: ServerMsg[] = [];
  let closed: { code: number; reason: string } | undefined;
  ws.addEventListener('message', (e) => {
    received.push(JSON.parse(e.data as string) as ServerMsg);
  });
  ws.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason };
  });
  /** Resolves once `pred` holds over what arrived, polling; fails after `ms`. */
  const until = async (pred: (msgs: ServerMsg[]) => boolean, ms = 10_000): Promise<ServerMsg[]> => {
    const end = Date.now() + ms;
    while (!pred(received)) {
      if (Date.now() > end) throw new Error(`condition not met; got ${received.length} frames: ${JSON.stringify(received.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return received;
  };
  return { ws, received, until, closed: () => closed };
}
