import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './free-port';
import { REPO_ROOT } from './paths';
import { startFakeExchange } from './fake-exchange/main';

export interface StackOptions {
  /** Comma-separated recordings to replay through the fake exchange; live venues when absent. */
  replay?: string;
  speed?: number;
  loop?: boolean;
  /** 0 picks a free port. */
  port?: number;
  /** wrangler's local state folder, so tests can start from nothing. */
  persistTo?: string;
  log?: (line: string) => void;
  /** Extra wrangler vars (benchmarks size relays with RELAY_MAX_CLIENTS / RELAY_SHARDS). */
  vars?: Record<string, string>;
}

export interface Stack {
  url: string;
  fakeUrl?: string;
  stop(): Promise<void>;
}

/**
 * wrangler dev (serving the built app) plus, in replay mode, the fake exchange it is pointed at.
 * `npm start` and the end-to-end tests both start the system through here.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const port = o.port === 0 ? await freePort() : (o.port ?? 8787);
  const log = o.log ?? ((l: string) => process.stdout.write(l));
  const vars: string[] = [];
  let fake: Awaited<ReturnType<typeof startFakeExchange>> | undefined;
  if (o.replay) {
    fake = await startFakeExchange({ venue: 'binance', recording: o.replay, speed: o.speed ?? 1, loop: o.loop ?? true, port: 0 });
    const base = `127.0.0.1:${fake.port}`;
    vars.push('FEED_MODE:replay', `BINANCE_WS_URL:ws://${base}`, `BINANCE_REST_URL:http://${base}`);
  }
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false'];
  for (const [k, v] of Object.entries(o.vars ?? {})) vars.push(`${k}:${v}`);
  for (const v of vars) args.push('--var', v);
  if (o.persistTo) args.push('--persist-to', o.persistTo);
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
    await fake?.fake.close();
  };
  try {
    await waitFor(`${url}/api/v1/status`, wrangler, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, fakeUrl: fake ? `http://127.0.0.1:${fake.port}` : undefined, stop };
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
