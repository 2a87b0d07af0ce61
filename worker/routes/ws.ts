import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { negotiate } from '../../shared/protocol/codec';
import { SUBPROTOCOLS } from '../../shared/protocol/messages';
import { wsOriginGuard } from '../middleware/ws-guard';
import { relayStub, startFeeds } from '../objects/stubs';
import { regionOf } from './region';

/** Relays tried for one client before /ws gives up: shards fill one after another from a random start. */
const PROBES = 8;

/**
 * `/ws`: the browser's socket, handed to a Relay in its region. The subprotocol picks the codec
 * (edgetape.v1.bin or edgetape.v1.json; JSON when none is offered). Market data is public, so no ticket is
 * needed here (the user channel, /ws/user, requires one); the Origin check still applies.
 */
export const wsRoutes = new Hono<{ Bindings: Env }>().get('/', wsOriginGuard, async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new HTTPException(426, { message: 'expected a WebSocket upgrade' });
  const neg = negotiate(c.req.header('sec-websocket-protocol'));
  if (!neg) throw new HTTPException(400, { message: `unsupported subprotocol; offer ${SUBPROTOCOLS.bin} or ${SUBPROTOCOLS.json}` });
  // A viewer is the reason to have a feed: make sure it runs (idempotent; its alarm keeps it alive).
  c.executionCtx.waitUntil(startFeeds(c.env));
  const region = regionOf(c.req.raw.cf);
  const shards = Math.max(1, Number(c.env.RELAY_SHARDS) || 1);
  const start = Math.floor(Math.random() * shards);
  for (let i = 0; i < PROBES; i++) {
    const name = `${region}:${start + i}`;
    const url = new URL(c.req.url);
    url.search = '';
    url.searchParams.set('relay', name);
    url.searchParams.set('codec', neg.codec);
    if (neg.protocol) url.searchParams.set('protocol', neg.protocol);
    const res = await relayStub(c.env, name).fetch(new Request(url, c.req.raw));
    if (res.status !== 503) return res;
  }
  throw new HTTPException(503, { message: 'every relay in this region is full; retry shortly' });
});
