import { startFakeExchange } from '../../tools/fake-exchange/main';
import { startOidcProvider } from '../../tools/oidc-provider';
import { hasData } from '../../tools/paths';
import { startWebhookSink } from './webhook-sink';
import type { MarketEvent } from '../../shared/market/types';
import { realEvents, SPOT, USDM } from '../../tools/real-events';
import type { TestProject } from 'vitest/node';

/** Runs in Node before the workerd tests: a webhook and push receiver, the local OIDC provider, and a fake Binance replaying the real recording, looped, at 5×. */
export default async function setup(project: TestProject) {
  const sink = await startWebhookSink();
  const oidc = await startOidcProvider(Number(process.env.EDGETAPE_OIDC_PORT));
  project.provide('webhookUrl', sink.url);
  project.provide('hasData', hasData());
  if (!hasData()) return async () => {
    await sink.close();
    await oidc.stop();
  };
  // Real BTCUSDT frames, relabelled ETH-USDT so the replay feed running beside the tests never writes to their hub.
  project.provide('spotEvents', realEvents(SPOT, 600, 'binance', 'ETH-USDT'));
  project.provide('usdmEvents', realEvents(USDM, 6000, 'binance-usdm', 'ETH-USDT'));
  const port = Number(process.env.EDGETAPE_FAKE_PORT);
  const { fake } = await startFakeExchange({
    venue: 'binance', recording: 'hftbacktest/spot/btcusdt_20240808.gz', speed: 5, loop: true, port,
  });
  project.provide('fakeUrl', `http://127.0.0.1:${port}`);
  return async () => {
    await fake.close();
    await sink.close();
    await oidc.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    hasData: boolean;
    fakeUrl: string;
    webhookUrl: string;
    spotEvents: MarketEvent[];
    usdmEvents: MarketEvent[];
  }
}
