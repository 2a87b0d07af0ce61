import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FaultBook, parseFault, type Fault } from './faults';
import type { RecordedFrame } from './recording';
import type { Session, VenuePlugin } from './venue';

export interface ReplayOptions {
  /** Playback speed: 1 is the original pacing, 10 is ten times faster. */
  speed: number;
  loop: boolean;
  port: number;
  host?: string;
  /** Server ping interval, as venues keep idle sockets honest. */
  pingMs?: number;
  /** Recorded REST answers served verbatim on GET (path + query → body): the venue's instrument lists. */
  recordedRest?: ReadonlyMap<string, string>;
  /**
   * No replay clock: frames go out only when `step()` is called, so where a fault lands does not depend on
   * how busy the machine is. Time-based faults (stall, slow) are refused; the replay never loops.
   */
  manual?: boolean;
}

export interface ReplayStatus {
  venue: string;
  position: number;
  total: number;
  loops: number;
  clients: number;
  /** Messages clients sent (subscriptions, pings), all sessions together. */
  received: number;
  speed: number;
  done: boolean;
}

const RECENT = 2000;
const MAX_BODY = 4096;

type Delivery = [Session<unknown>, string][];

/**
 * The venue-independent part of the fake exchange: one replay clock shared by every client (as a real
 * venue's stream is), WebSocket and HTTP plumbing, and introspection under /__fake/ for tests.
 */
export class FakeExchange {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly sessions = new Set<Session<unknown>>();
  private position = 0;
  private loops = 0;
  private t0 = 0;
  private wall0 = 0;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private readonly recent: RecordedFrame[] = [];
  private readonly faults = new FaultBook();
  private received = 0;
  private stalled: Delivery = [];
  /** A book frame held back by a `reorder` fault until the next one has gone out. */
  private held: Delivery | undefined;

  constructor(
    private readonly plugin: VenuePlugin<unknown>,
    private readonly recording: readonly RecordedFrame[],
    private readonly opts: ReplayOptions,
  ) {
    this.http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const reply = (answer: { status: number; body: unknown } | undefined) => {
        res.writeHead(answer?.status ?? 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer?.body ?? { error: `no route ${url.pathname}` }));
      };
      if (req.method !== 'POST') {
        const answer = url.pathname.startsWith('/__fake/') ? this.introspect(url) : this.plugin.http(url);
        const recorded = answer ? undefined : this.opts.recordedRest?.get(url.pathname + url.search);
        if (recorded === undefined) return reply(answer);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(recorded);
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) req.destroy();
      });
      req.on('end', () => reply(url.pathname === '/__fake/fault' ? this.injectJson(body) : undefined));
    });
    this.http.on('upgrade', (req: IncomingMessage, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const state = this.plugin.accept(url);
      if (state === undefined) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, url, state));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((ok) => this.http.listen(this.opts.port, this.opts.host ?? '127.0.0.1', ok));
    this.t0 = this.recording[0]?.t ?? 0;
    this.wall0 = performance.now();
    if (!this.opts.manual) this.pump();
    this.pinger = setInterval(() => {
      if (performance.now() < this.faults.stallUntil) return;
      for (const ws of this.wss.clients) ws.ping();
    }, this.opts.pingMs ?? 20_000);
    return (this.http.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((ok) => this.http.close(() => ok()));
  }

  /** Applies a fault to the replay (see README.md); a string explains why it was refused. */
  inject(f: Required<Fault>): string | undefined {
    if (f.kind === 'corrupt-checksum' && !this.plugin.corruptChecksum) {
      return `${this.plugin.venue} frames carry no checksum: corrupt-checksum does not apply`;
    }
    if (this.opts.manual && (f.kind === 'stall' || f.kind === 'slow')) return `a manual replay has no clock: ${f.kind} does not apply`;
    if (f.kind === 'drop-trade' && !this.plugin.isTradeFrame) return `${this.plugin.venue} trade frames are not told apart here: drop-trade does not apply`;
    const now = performance.now();
    this.faults.add(f, now);
    if (f.kind === 'stall') {
      // Everything due shifts by the stall, so the replay resumes at its original pacing instead of bursting.
      this.wall0 += f.ms;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.pump(), this.faults.stallUntil - now);
    } else if (f.kind === 'disconnect') {
      for (const ws of this.wss.clients) ws.close(1001, 'fake exchange: disconnect fault');
    }
    return undefined;
  }

  /**
   * Plays recorded frames at once, whatever their due time, until `delivered` of them went to some client
   * (or the recording ends); returns how many did. Only a manual replay is stepped, so its clock stays the test's.
   */
  step(delivered: number): number {
    if (!this.opts.manual) throw new Error('step() drives a manual replay only');
    let n = 0;
    while (n < delivered && this.position < this.recording.length) {
      if (this.play(this.recording[this.position++]!)) n++;
    }
    return n;
  }

  faultReport() {
    return this.faults.report(performance.now());
  }

  status(): ReplayStatus {
    return {
      venue: this.plugin.venue,
      position: this.position,
      total: this.recording.length,
      loops: this.loops,
      clients: this.sessions.size,
      received: this.received,
      speed: this.opts.speed,
      done: this.position >= this.recording.length && !this.opts.loop,
    };
  }

  private attach(ws: WebSocket, url: URL, state: unknown): void {
    const session: Session<unknown> = {
      url,
      state,
      send: (text) => {
        // A stall holds every send, replies included, as a frozen link would; they go out when it ends.
        if (performance.now() < this.faults.stallUntil) this.stalled.push([session, text]);
        else if (ws.readyState === ws.OPEN) ws.send(text);
      },
      close: (code, reason) => ws.close(code, reason),
    };
    this.sessions.add(session);
    ws.on('message', (data, isBinary) => {
      this.received++;
      this.plugin.onMessage(session, isBinary ? '' : data.toString());
    });
    ws.on('close', () => this.sessions.delete(session));
    ws.on('error', () => this.sessions.delete(session));
  }

  /** Sends every frame that is due, then sleeps until the next one: no timer per frame at high speed. */
  private pump(): void {
    const now = performance.now();
    if (now < this.faults.stallUntil) {
      this.timer = setTimeout(() => this.pump(), this.faults.stallUntil - now);
      return;
    }
    if (this.stalled.length) {
      const held = this.stalled;
      this.stalled = [];
      deliver(held);
    }
    while (this.position < this.recording.length) {
      const rec = this.recording[this.position]!;
      const due = this.wall0 + (rec.t - this.t0) / this.opts.speed;
      if (due > now) {
        this.timer = setTimeout(() => this.pump(), Math.max(0, due - now));
        return;
      }
      const delivered = this.play(rec);
      this.position++;
      if (delivered && this.faults.take('slow')) {
        // Drip: the next frame is due one interval from now, whatever the recording's pacing says.
        const next = this.recording[this.position];
        if (next) this.wall0 = now + this.faults.slowMs - (next.t - this.t0) / this.opts.speed;
        this.timer = setTimeout(() => this.pump(), this.faults.slowMs);
        return;
      }
    }
    if (this.opts.loop && this.recording.length > 0) {
      this.loops++;
      this.position = 0;
      this.plugin.reset();
      // Sequences, trade ids and clocks start over with the recording: to a client that is a venue restart,
      // so it is told so (1012) and reconnects to a fresh session instead of reading time run backwards.
      for (const ws of this.wss.clients) ws.close(1012, 'fake exchange: recording restarts');
      this.wall0 = performance.now();
      this.timer = setTimeout(() => this.pump(), 0);
    }
  }

  /** Whether any client was sent (or is owed, when held back) the frame. */
  private play(rec: RecordedFrame): boolean {
    this.plugin.observe(rec);
    this.recent.push(rec);
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    if (rec.kind === 'rest') return false; // a recorded REST answer: seen by the plug-in (observe), never sent on a socket
    const out: Delivery = [];
    for (const s of this.sessions) {
      const frame = this.plugin.frameFor(s, rec);
      if (frame !== undefined) out.push([s, frame]);
    }
    if (out.length === 0) return false;
    // Gaps, swaps and repeats act on book frames, where the adapters' sequence rules must catch them.
    const book = this.plugin.isBookFrame?.(rec) ?? true;
    if (book && this.faults.take('drop')) return true;
    if (this.plugin.isTradeFrame?.(rec) && this.faults.take('drop-trade')) return true;
    if (this.faults.has('corrupt-checksum')) {
      const bad = out.map(([s, f]) => [s, this.plugin.corruptChecksum!(f)] as const);
      if (bad.every(([, f]) => f !== undefined)) {
        this.faults.take('corrupt-checksum');
        for (let i = 0; i < out.length; i++) out[i]![1] = bad[i]![1]!;
      }
    }
    if (book && !this.held && this.faults.take('reorder')) {
      this.held = out;
      return true;
    }
    deliver(out);
    if (book && this.faults.take('duplicate')) deliver(out);
    if (book && this.held) {
      deliver(this.held);
      this.held = undefined;
    }
    return true;
  }

  private injectJson(body: string): { status: number; body: unknown } {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    const fault = parseFault(json);
    if (typeof fault === 'string') return { status: 400, body: { error: fault } };
    const refused = this.inject(fault);
    if (refused) return { status: 422, body: { error: refused } };
    return { status: 200, body: { ok: true, fault, clients: this.sessions.size } };
  }

  private introspect(url: URL): { status: number; body: unknown } {
    switch (url.pathname) {
      case '/__fake/status':
        return { status: 200, body: this.status() };
      case '/__fake/faults':
        return { status: 200, body: this.faultReport() };
      case '/__fake/recent': {
        const last = Math.min(Number(url.searchParams.get('last') ?? 100) || 100, RECENT);
        return { status: 200, body: this.recent.slice(-last).map(({ line, file, t, frame }) => ({ line, file, t, frame })) };
      }
      default:
        return { status: 404, body: { error: `no route ${url.pathname}` } };
    }
  }
}

function deliver(out: Delivery): void {
  for (const [s, frame] of out) s.send(frame);
}
