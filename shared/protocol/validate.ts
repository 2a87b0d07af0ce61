import type { ClientMsg, ErrorCode, ServerMsg, StreamRate, SubscribeMsg } from './messages';
import { MAX_CLIENT_FRAME, MAX_STREAMS, parseStream, RATE_BOUNDS } from './messages';

export type Parsed<T> = { ok: true; msg: T } | { ok: false; code: ErrorCode; message: string };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

const fail = (code: ErrorCode, message: string): Parsed<never> => ({ ok: false, code, message });

function streamList(v: unknown): Parsed<string[]> {
  if (!Array.isArray(v) || v.length === 0) return fail('bad_message', 'streams must be a non-empty array');
  if (v.length > MAX_STREAMS) return fail('too_many_streams', `at most ${MAX_STREAMS} streams per socket`);
  const out: string[] = [];
  for (const s of v) {
    if (typeof s !== 'string' || !parseStream(s)) return fail('unknown_stream', `not a stream name: ${JSON.stringify(s)?.slice(0, 70)}`);
    if (!out.includes(s)) out.push(s);
  }
  return { ok: true, msg: out };
}

function rate(v: unknown): Parsed<StreamRate> {
  if (!isObj(v)) return fail('bad_message', 'rate must be an object');
  const out: StreamRate = {};
  for (const [k, x] of Object.entries(v)) {
    const bounds = Object.hasOwn(RATE_BOUNDS, k) ? RATE_BOUNDS[k as keyof StreamRate] : undefined;
    if (!bounds) return fail('bad_message', `rate has no field ${JSON.stringify(k).slice(0, 32)}`);
    if (!Number.isSafeInteger(x) || (x as number) < bounds[0] || (x as number) > bounds[1]) return fail('bad_message', `rate.${k} must be an integer from ${bounds[0]} to ${bounds[1]}`);
    out[k as keyof StreamRate] = x as number;
  }
  return { ok: true, msg: out };
}

/** Every client frame passes through here before the edge acts on it. Client frames are JSON text on both subprotocols. */
export function parseClientMsg(raw: string | ArrayBuffer): Parsed<ClientMsg> {
  if (typeof raw !== 'string') return fail('bad_message', 'client frames are JSON text, not binary');
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
      if (!isNum(v.ts)) return fail('bad_message', 'ping needs a numeric ts');
      if (v.rx === undefined) return { ok: true, msg: { t: 'ping', ts: v.ts } };
      return isSeq(v.rx) ? { ok: true, msg: { t: 'ping', ts: v.ts, rx: v.rx } } : fail('bad_message', 'ping rx must be a non-negative integer');
    case 'unsubscribe': {
      const s = streamList(v.streams);
      return s.ok ? { ok: true, msg: { t: 'unsubscribe', streams: s.msg } } : s;
    }
    case 'subscribe': {
      const s = streamList(v.streams);
      if (!s.ok) return s;
      const msg: SubscribeMsg = { t: 'subscribe', streams: s.msg };
      if (v.resume !== undefined) {
        if (!isObj(v.resume)) return fail('bad_message', 'resume must map stream names to sequence numbers');
        const resume: Record<string, number> = {};
        for (const [k, seq] of Object.entries(v.resume)) {
          if (!s.msg.includes(k)) return fail('bad_message', `resume names ${k.slice(0, 64)}, which is not subscribed here`);
          if (!isSeq(seq)) return fail('bad_message', `resume[${k}] must be a non-negative integer`);
          resume[k] = seq;
        }
        msg.resume = resume;
      }
      if (v.rate !== undefined) {
        const r = rate(v.rate);
        if (!r.ok) return r;
        msg.rate = r.msg;
      }
      return { ok: true, msg };
    }
    default:
      return fail('bad_message', `unknown message type ${JSON.stringify(v.t)?.slice(0, 32)}`);
  }
}

const SERVER_TYPES = new Set(['hello', 'snapshot', 'book', 'trades', 'bbo', 'candle', 'gap', 'status', 'pong', 'beat', 'error']);
const STREAM_TYPES = new Set(['snapshot', 'book', 'trades', 'bbo', 'candle']);

/** The browser trusts the edge but not the network path: a frame it cannot read is reported, not acted on. */
export function checkServerMsg(v: unknown): Parsed<ServerMsg> {
  if (!isObj(v) || typeof v.t !== 'string' || !SERVER_TYPES.has(v.t)) return fail('bad_message', 'unknown server frame');
  if (STREAM_TYPES.has(v.t) && (!isSeq(v.seq) || typeof v.stream !== 'string')) return fail('bad_message', `${v.t} frame without stream or seq`);
  return { ok: true, msg: v as unknown as ServerMsg };
}

export function parseServerMsg(raw: string): Parsed<ServerMsg> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'frame is not valid JSON');
  }
  return checkServerMsg(v);
}
