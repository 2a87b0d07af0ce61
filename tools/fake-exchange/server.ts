import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
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
}

export interface ReplayStatus {
  venue: string;
  position: number;
  total: number;
  loops: number;
  clients: number;
  speed: number;
  done: boolean;
}

const RECENT = 2000;

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

  constructor(
    private readonly plugin: VenuePlugin<unknown>,
    private readonly recording: readonly RecordedFrame[],
    private readonly opts: ReplayOptions,
  ) {
    this.http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const answer = url.pathname.startsWith('/__fake/') ? this.introspect(url) : this.plugin.http(url);
      res.writeHead(answer?.status ?? 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer?.body ?? { error: `no route ${url.pathname}` }));
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
    this.pump();
    this.pinger = setInterval(() => {
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

  status(): ReplayStatus {
    return {
      venue: this.plugin.venue,
      position: this.position,
      total: this.recording.length,
      loops: this.loops,
      clients: this.sessions.size,
      speed: this.opts.speed,
      done: this.position >= this.recording.length && !this.opts.loop,
    };
  }

  private attach(ws: WebSocket, url: URL, state: unknown): void {
    const session: Session<unknown> = {
      url,
      state,
      send: (text) => ws.readyState === ws.OPEN && ws.send(text),
      close: (code, reason) => ws.close(code, reason),
    };
    this.sessions.add(session);
    ws.on('message', (data, isBinary) => this.plugin.onMessage(session, isBinary ? '' : data.toString()));
    ws.on('close', () => this.sessions.delete(session));
    ws.on('error', () => this.sessions.delete(session));
  }

  /** Sends every frame that is due, then sleeps until the next one: no timer per frame at high speed. */
  private pump(): void {
    const now = performance.now();
    while (this.position < this.recording.length) {
      const rec = this.recording[this.position]!;
      const due = this.wall0 + (rec.t - this.t0) / this.opts.speed;
      if (due > now) {
        this.timer = setTimeout(() => this.pump(), Math.max(0, due - now));
        return;
      }
      this.play(rec);
      this.position++;
    }
    if (this.opts.loop && this.recording.length > 0) {
      this.loops++;
      this.position = 0;
      this.plugin.reset();
      this.wall0 = performance.now();
      this.timer = setTimeout(() => this.pump(), 0);
    }
  }

  private play(rec: RecordedFrame): void {
    this.plugin.observe(rec);
    this.recent.push(rec);
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    for (const s of this.sessions) {
      const out = this.plugin.frameFor(s, rec);
      if (out !== undefined) s.send(out);
    }
  }

  private introspect(url: URL): { status: number; body: unknown } {
    switch (url.pathname) {
      case '/__fake/status':
        return { status: 200, body: this.status() };
      case '/__fake/recent': {
        const last = Math.min(Number(url.searchParams.get('last') ?? 100) || 100, RECENT);
        return { status: 200, body: this.recent.slice(-last).map(({ line, file, t, frame }) => ({ line, file, t, frame })) };
      }
      default:
        return { status: 404, body: { error: `no route ${url.pathname}` } };
    }
  }
}
