import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { INTERVALS } from '../../shared/protocol/messages';
import { ADAPTERS } from '../ingest/registry';
import { feedStub } from '../objects/stubs';
import { CANDLE_FIELDS, candleQuery, fetchCandles } from './history';
import { instruments } from './instruments';

const MAX_DEPTH = 4;
const MAX_COMPLEXITY = 2_000;
const MAX_QUERY = 4_096;

type Value = string | number | boolean | null;
interface Field { alias: string; name: string; args: Record<string, Value>; fields: Field[] }

/**
 * A deliberately small GraphQL: queries with fields, aliases, literal and $variable arguments; no
 * fragments or mutations. Enough for selective fetching, small enough to bound: depth and a cost
 * (fields, plus candle cells) are checked before anything runs.
 */
export function parse(src: string, vars: Record<string, unknown>): Field[] {
  const tokens = src.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\$?[_A-Za-z][_0-9A-Za-z]*|[{}():,!\[\]=]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new HTTPException(400, { message: `GraphQL syntax: expected ${want ?? 'more'} near token ${i}` });
    return t;
  };
  const value = (): Value => {
    const t = take();
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (t.startsWith('$')) {
      const v = vars[t.slice(1)];
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw new HTTPException(400, { message: `variable ${t} is missing or not a scalar` });
      return v as Value;
    }
    if (/^-?\d/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    if (/^[_A-Za-z]/.test(t)) return t; // enum
    throw new HTTPException(400, { message: `GraphQL syntax: bad value ${t.slice(0, 20)}` });
  };
  const selection = (depth: number): Field[] => {
    if (depth > MAX_DEPTH) throw new HTTPException(400, { message: `query deeper than ${MAX_DEPTH}` });
    take('{');
    const out: Field[] = [];
    while (peek() !== '}') {
      let name = take();
      let alias = name;
      if (peek() === ':') {
        take(':');
        name = take();
      }
      if (!/^[_A-Za-z]\w*$/.test(name)) throw new HTTPException(400, { message: `GraphQL syntax: bad field ${name.slice(0, 20)}` });
      const args: Record<string, Value> = {};
      if (peek() === '(') {
        take('(');
        while (peek() !== ')') {
          const k = take();
          take(':');
          args[k] = value();
          if (peek() === ',') take(',');
        }
        take(')');
      }
      out.push({ alias, name, args, fields: peek() === '{' ? selection(depth + 1) : [] });
      if (peek() === ',') take(',');
    }
    take('}');
    return out;
  };
  if (peek() === 'query') {
    take();
    if (peek() !== '{' && peek() !== '(') take();
    if (peek() === '(') while (take() !== ')');
  }
  const root = selection(1);
  if (i !== tokens.length) throw new HTTPException(400, { message: 'GraphQL: one query per request' });
  return root;
}

/** Cost: one per field, plus one per 100 candle cells a `candles` field could return. */
export function cost(fields: Field[]): number {
  let c = 0;
  for (const f of fields) {
    c += 1 + cost(f.fields);
    if (f.name === 'candles') {
      const iv = INTERVALS[String(f.args.interval ?? '1m') as keyof typeof INTERVALS] ?? 60_000;
      const bars = Math.max(0, (Number(f.args.to) - Number(f.args.from)) / iv);
      c += Math.ceil((bars * Math.max(1, f.fields.length)) / 100) || 0;
    }
  }
  return c;
}

function project(v: unknown, fields: Field[]): unknown {
  if (!fields.length || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => project(x, fields));
  const o = v as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => {
    if (!(f.name in o)) throw new HTTPException(400, { message: `unknown field ${f.name}` });
    return [f.alias, project(o[f.name], f.fields)];
  }));
}

async function resolve(env: Env, f: Field): Promise<unknown> {
  switch (f.name) {
    case 'instruments':
      return instruments(env);
    case 'exchanges':
      // The same status() the feeds expose to /api/v1/exchanges.
      return Promise.all(Object.keys(ADAPTERS).map((v) => feedStub(env, v).status()));
    case 'candles': {
      for (const sub of f.fields) if (!(CANDLE_FIELDS as readonly string[]).includes(sub.name)) throw new HTTPException(400, { message: `unknown candle field ${sub.name}` });
      return (await fetchCandles(env, candleQuery(env, f.args as Record<string, string | number>))).bars;
    }
    default:
      throw new HTTPException(400, { message: `unknown field ${f.name}; this endpoint has instruments, candles, exchanges` });
  }
}

/** `POST /graphql` {query, variables} (or GET ?query=): selective fetching with depth and cost limits. */
export const graphqlRoutes = new Hono<{ Bindings: Env }>().on(['GET', 'POST'], '/', async (c) => {
  const body = c.req.method === 'POST' ? ((await c.req.json().catch(() => null)) as { query?: unknown; variables?: unknown } | null) : { query: c.req.query('query') };
  const query = body?.query;
  if (typeof query !== 'string' || query.length === 0 || query.length > MAX_QUERY) throw new HTTPException(400, { message: `query must be a string of at most ${MAX_QUERY} characters` });
  const vars = body && typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : {};
  const root = parse(query, vars);
  const price = cost(root);
  if (price > MAX_COMPLEXITY) throw new HTTPException(400, { message: `query cost ${price} exceeds ${MAX_COMPLEXITY}` });
  const data: Record<string, unknown> = {};
  for (const f of root) data[f.alias] = project(await resolve(c.env, f), f.fields);
  return c.json({ data, extensions: { cost: price } });
});
