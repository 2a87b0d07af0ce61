import { ClientDecoder } from '../../shared/protocol/codec';
import type { ServerMsg, StreamMsg, StreamRate } from '../../shared/protocol/messages';
import { ACK, ackDue, SUBPROTOCOLS } from '../../shared/protocol/messages';

/** No frame (data or server beat) for this long: the socket is presumed dead and replaced. */
const DEAD_MS = 40_000;

export interface StreamEvents {
  /** A stream update in sequence (snapshots reset the stream's state). */
  update(msg: StreamMsg): void;
  /** Anything else the edge says: hello, status, pong, beat, error. */
  other(msg: ServerMsg): void;
  open(): void;
  closed(reason: string): void;
}

/**
 * The browser's end of the edge protocol: binary subprotocol, per-stream sequence checks, resume from
 * the last sequence after a reconnect (the edge replays or sends a fresh snapshot), acknowledgements
 * of bytes read (so the edge conflates for this client when it falls behind) and heartbeats.
 */
export class StreamClient {
  private ws: WebSocket | undefined;
  private decoder = new ClientDecoder();
  private readonly seqs = new Map<string, number>();
  private rx = 0;
  private ackedRx = 0;
  private lastPingAt = 0;
  private lastFrameAt = 0;
  private backoff = 500;
  private readonly beat: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly streams: string[],
    private readonly on: StreamEvents,
    /** Bytes of every server frame as it arrives: the traffic meter. */
    private readonly onBytes: (n: number) => void = () => {},
    /** What this client asks of the edge (the bandwidth setting); `{}` = everything. */
    private rate: StreamRate = {},
  ) {
    for (const s of streams) this.decoder.add(s);
    this.beat = setInterval(() => this.heartbeat(), ACK.tickMs);
  }

  connect(): void {
    if (this.closed) return;
    this.ws?.close();
    const ws = new WebSocket(this.url, [SUBPROTOCOLS.bin, SUBPROTOCOLS.json]);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.rx = this.ackedRx = 0;
    ws.onopen = () => {
      this.backoff = 500;
      this.lastFrameAt = Date.now();
      const resume = Object.fromEntries(this.seqs);
      // No rate field at full: exactly what clients sent before rates existed.
      const rate = Object.keys(this.rate).length ? { rate: this.rate } : {};
      ws.send(JSON.stringify({ t: 'subscribe', streams: this.streams, ...(this.seqs.size ? { resume } : {}), ...rate }));
      this.on.open();
    };
    ws.onmessage = (e) => this.onFrame(e.data as string | ArrayBuffer);
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.on.closed(e.reason || `socket closed (${e.code})`);
      const delay = this.backoff * (0.5 + Math.random() / 2);
      this.backoff = Math.min(this.backoff * 2, 15_000);
      setTimeout(() => !this.ws && this.connect(), delay);
    };
  }

  /**
   * A new rate on a new socket: nothing is resumed, since the books held were cut to the old rate's
   * depth (a replay of deltas would leave levels the edge no longer updates).
   */
  setRate(rate: StreamRate): void {
    if (JSON.stringify(rate) === JSON.stringify(this.rate)) return;
    this.rate = rate;
    this.seqs.clear();
    if (this.ws) this.connect();
  }

  /** For good: no reconnect, no heartbeat (the owner wants other streams now). */
  close(): void {
    this.closed = true;
    clearInterval(this.beat);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'done');
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private onFrame(data: string | ArrayBuffer): void {
    const n = typeof data === 'string' ? data.length : data.byteLength;
    this.rx += n;
    this.onBytes(n);
    this.lastFrameAt = Date.now();
    const r = this.decoder.decode(data);
    if (!r.ok) return this.on.other({ t: 'error', code: r.code, message: r.message });
    const m = r.msg;
    if (m.t === 'gap') {
      // A hole upstream is news, not a lost update: a snapshot would not bring those trades back.
      if (!m.upstream) this.resubscribe(m.stream);
      return this.on.update(m);
    }
    if (!('seq' in m)) return this.on.other(m);
    const last = this.seqs.get(m.stream);
    if (m.t !== 'snapshot' && last !== undefined && (m.from ?? m.seq) > last + 1) {
      // A hole no frame explains: ask again from what we hold; the edge fills it or sends a snapshot.
      this.resubscribe(m.stream);
      return;
    }
    if (m.t !== 'snapshot' && last === undefined) return; // before its snapshot: nothing to apply it to
    if (last !== undefined && m.seq <= last && m.t !== 'snapshot') return; // a replayed duplicate
    this.seqs.set(m.stream, m.seq);
    this.on.update(m);
  }

  private resubscribe(stream: string): void {
    const last = this.seqs.get(stream);
    this.ws?.send(JSON.stringify({ t: 'subscribe', streams: [stream], ...(last !== undefined ? { resume: { [stream]: last } } : {}) }));
  }

  /** Acknowledges bytes read and proves liveness; a silent edge gets its socket replaced. */
  private heartbeat(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastFrameAt > DEAD_MS) {
      ws.close(4002, 'heartbeat lost');
      return;
    }
    const now = Date.now();
    if (!ackDue(this.rx - this.ackedRx, now - this.lastPingAt)) return;
    this.ackedRx = this.rx;
    this.lastPingAt = now;
    ws.send(JSON.stringify({ t: 'ping', ts: now, rx: this.rx }));
  }
}
