import { BinanceAdapter } from '../../worker/ingest/binance';

/**
 * Test-only: the real Binance adapter (book sync and all) plus an application-level heartbeat, which
 * Binance itself does not need, so the feed's heartbeat path can be seen working against the fake
 * (it answers LIST_SUBSCRIPTIONS; the adapter ignores the reply).
 */
export class DepthCheckingBinance extends BinanceAdapter {
  readonly heartbeat = { intervalMs: 500, frame: '{"method":"LIST_SUBSCRIPTIONS","id":"hb"}' };
}
