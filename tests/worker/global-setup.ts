import { startFakeExchange } from '../../tools/fake-exchange/main';
import { hasData } from '../../tools/paths';
import type { MarketEvent } from '../../shared/market/types';
import { realEvents, SPOT, USDM } from '../../tools/real-events';
import type { TestProject } from 'vitest/node';

/** Runs in Node before the workerd tests: a fake Binance replaying the real recording, looped, at 5×. */
export default async function setup(project: TestProject) {
  project.provide('hasData', hasData());
  if (!hasData()) return;
  // Real BTCUSDT frames, relabelled ETH-USDT so the replay feed running beside the tests never writes to their hub.
  project.provide('spotEvents', realEvents(SPOT, 600, 'binance', 'ETH-USDT'));
  project.provide('usdmEvents', realEvents(USDM, 6000, 'binance-usdm', 'ETH-USDT'));
  const port = Number(process.env.EDGETAPE_FAKE_PORT);
  const { fake } = await startFakeExchange({
    venue: 'binance', recording: 'hftbacktest/spot/btcusdt_20240808.gz', speed: 5, loop: true, port,
  });
  project.provide('fakeUrl', `http://127.0.0.1:${port}`);
  return () => fake.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    hasData: boolean;
    fakeUrl: string;
    spotEvents: MarketEvent[];
    usdmEvents: MarketEvent[];
  }
}
