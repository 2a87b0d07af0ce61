import type { ClientMsg, ErrorCode, ServerMsg } from './messages';
import { MAX_CLIENT_FRAME } from './messages';
import { CANONICAL_SYMBOL } from '../market/symbols';

export type Parsed<T> = { ok: true; msg: T } | { ok: false; code: ErrorCode; message: string };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown, max = 64): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

const fail = (code: ErrorCode, message: string): Parsed<never> => ({ ok: false, code, message });

/** Every client frame passes through here before the edge acts on it. */
export function parseClientMsg(raw: string | ArrayBuffer): Parsed<ClientMsg> {
  if (typeof raw !== 'string') return fail('bad_message', 'binary frames are not accepted on the JSON protocol');
  if (raw.length > MAX_CLIENT_FRAME) return fail('too_large', `frame of ${raw.length} bytes exceeds ${MAX_CLIENT_FRAME}`);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'frame is not valid JSON');
  }
  if (!isObj(v)) return fail('bad_message', 'frame must be a JSON object');
  switch (v.t) {
    case 'ping':
      return isNum(v.ts) ? { ok: true, msg: { t: 'ping', ts: v.ts } } : fail('bad_message', 'ping needs a numeric ts');
    case 'subscribe':
      return isStr(v.symbol) && CANONICAL_SYMBOL.test(v.symbol)
        ? { ok: true, msg: { t: 'subscribe', symbol: v.symbol } }
        : fail('bad_message', 'subscribe needs a canonical symbol such as BTC-USDT');
    default:
      return fail('bad_message', `unknown message type ${JSON.stringify(v.t)?.slice(0, 32)}`);
  }
}

const SERVER_TYPES = new Set(['hello', 'trade', 'bbo', 'snapshot', 'status', 'pong', 'error']);

/** The browser trusts the edge but not the network path: a frame it cannot read is reported, not acted on. */
export function parseServerMsg(raw: string): Parsed<ServerMsg> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'frame is not valid JSON');
  }
  if (!isObj(v) || typeof v.t !== 'string' || !SERVER_TYPES.has(v.t)) return fail('bad_message', 'unknown server frame');
  if ((v.t === 'trade' || v.t === 'bbo') && (!isNum(v.seq) || !isObj(v.data) || !isStr(v.stream))) {
    return fail('bad_message', `${v.t} frame without stream, seq or data`);
  }
  return { ok: true, msg: v as unknown as ServerMsg };
}
