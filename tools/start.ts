import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './paths';
import { startStack } from './stack';

/**
 * `npm start` runs the app against the live venues; `npm start -- --replay [recording]` (or
 * EDGETAPE_REPLAY=<recording>) replays a real recording through the fake exchange instead.
 */
// `--replay` takes an optional recording: alone (or before another flag) it means the default ones.
const argv = process.argv.slice(2);
const at = argv.indexOf('--replay');
if (at >= 0 && (at === argv.length - 1 || argv[at + 1]!.startsWith('--'))) argv.splice(at + 1, 0, 'default');
const { values } = parseArgs({
  args: argv,
  options: {
    replay: { type: 'string' },
    speed: { type: 'string', default: '1' },
    'no-loop': { type: 'boolean', default: false },
    port: { type: 'string', default: '8787' },
  },
});
const replayArg = values.replay ?? process.env.EDGETAPE_REPLAY;
/** `default`: every venue with a fake replays its default recordings; a file replays its venue (Binance unless it says). */
const replay: string | true | undefined = replayArg === '' || replayArg === 'default' ? true : replayArg;

execFileSync(resolve(REPO_ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
const stack = await startStack({
  replay,
  speed: Number(values.speed),
  loop: !values['no-loop'],
  port: Number(values.port),
  log: () => {},
});
console.log(
  replay
    ? `edgetape REPLAY at ${values.speed}× of ${replay === true ? 'the default recordings' : replay}, fake exchanges: ${
      Object.entries(stack.fakes).map(([v, u]) => `${v} ${u}`).join(', ')}\n  open ${stack.url}`
    : `edgetape LIVE from the venues' public endpoints\n  open ${stack.url}`,
);
console.log('Ctrl-C stops everything.');
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void stack.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
