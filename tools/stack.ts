import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePorts } from './free-port';
import { REPO_ROOT, resolveRecording } from './paths';
import { edgetapeHeader } from './fake-exchange/recording';
import type { Venue } from '../shared/market/types';
import { REPLAYS, startFakeExchange, startFakes, type RunningFake } from './fake-exchange/main';
import { ensureDevVars } from './dev-keys';
import { envPrefix } from '../worker/config';

export interface StackOptions {
  /**
   * `true`: every venue with a fake-exchange plug-in replays its default recording (REPLAYS); a string:
   * Binance replays these comma-separated recordings; absent: the live venues.
   */
  replay?: string | true;
  speed?: number;
  loop?: boolean;
  /** 0 picks a free port. */
  port?: number;
  /** wrangler's local state folder, so tests can start from nothing; by default one per mode. */
  persistTo?: string;
  log?: (line: string) => void;
  /** Extra `--var NAME:value` settings (the OIDC provider for the end-to-end tests, relay sizes for benchmarks). */
  vars?: Record<string, string>;
}

export interface Stack {
  url: string;
  /** The first fake exchange (Binance's), for tools and tests that drive one venue. */
  fakeUrl?: string;
  /** Every fake exchange by venue. */
  fakes: Partial<Record<Venue, string>>;
  stop(): Promise<void>;
}

/**
 * wrangler dev (serving the built app) plus, in replay mode, the fake exchange it is pointed at.
 * `npm start` and the end-to-end tests both start the system through here.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const [free, inspector] = await freePorts(2);
  const port = o.port === 0 ? free! : (o.port ?? 8787);
  const log = o.log ?? ((l: string) => process.stdout.write(l));
  const vars: string[] = [];
  const replay = { speed: o.speed ?? 1, loop: o.loop ?? true };
  let fakes: RunningFake[] = [];
  if (o.replay === true) fakes = await startFakes(replay);
  else if (o.replay) {
    // A recorder's file names its venue and symbols; any other recording is Binance's default instrument.
    const header = edgetapeHeader(resolveRecording(o.replay.split(',')[0]!.trim()));
    const venue = (header?.exchange ?? 'binance') as Venue;
    const started = await startFakeExchange({ venue, recording: o.replay, port: 0, ...replay });
    fakes = [{ venue, symbols: header?.symbols ?? REPLAYS.binance.symbols, ...started }];
  }
  if (fakes.length) {
    // Replay ingests exactly what the fakes serve: VENUES is replaced, so no venue reaches a live endpoint.
    const venues = Object.fromEntries(fakes.map((f) => [f.venue, { ws: `ws://127.0.0.1:${f.port}`, rest: `http://127.0.0.1:${f.port}`, symbols: f.symbols }]));
    vars.push('FEED_MODE:replay', `VENUES:${JSON.stringify(venues)}`);
    // The URL override variables too, so a live URL someone put in .dev.vars never wins over a fake.
    for (const f of fakes) vars.push(`${envPrefix(f.venue)}_WS_URL:ws://127.0.0.1:${f.port}`, `${envPrefix(f.venue)}_REST_URL:http://127.0.0.1:${f.port}`);
  }
  for (const [k, v] of Object.entries(o.vars ?? {})) vars.push(`${k}:${v}`);
  // Signing keys come from .dev.vars, generated on first run; never from code.
  await ensureDevVars();
  // A free inspector port too: two stacks (parallel test runs) must not collide on wrangler's default 9229.
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--show-interactive-dev-session=false'];
  for (const v of vars) args.push('--var', v);
  // Replayed and live sessions keep separate local state, so neither ever shows the other's prices.
  args.push('--persist-to', o.persistTo ?? resolve(REPO_ROOT, o.replay ? '.wrangler/state-replay' : '.wrangler/state-live'));
  const wrangler = spawn(resolve(REPO_ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: REPO_ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: process.env.CI ?? '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() ends workerd with it
  });
  wrangler.stdout!.on('data', (d: Buffer) => log(d.toString()));
  wrangler.stderr!.on('data', (d: Buffer) => log(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await killGroup(wrangler);
    await Promise.all(fakes.map((f) => f.fake.close()));
  };
  try {
    await waitFor(`${url}/api/v1/status`, wrangler, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const fakeUrls = Object.fromEntries(fakes.map((f) => [f.venue, `http://127.0.0.1:${f.port}`])) as Stack['fakes'];
  return { url, fakeUrl: fakes[0] && fakeUrls[fakes[0].venue], fakes: fakeUrls, stop };
}

async function waitFor(url: string, proc: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev exited with code ${proc.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${url} within ${ms / 1000} s`);
}

async function killGroup(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((ok) => proc.once('exit', () => ok()));
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timeout = setTimeout(() => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timeout);
}
