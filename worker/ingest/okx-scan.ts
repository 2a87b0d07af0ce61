import { parseDecimal } from '../../shared/market/decimal';
import { COMMA, integer, keyIndex, plainString, Q, stringPairs } from './scan';

const HEAD = '{"arg":{"channel":"books","instId":"';

/**
 * A one-pass reader for OKX `books` pushes, the bulk of an OKX stream, that skips JSON.parse. It accepts only
 * a strict subset of JSON — `{"arg":{"channel":"books","instId":"…"},"action":"…","data":[{…}]}` with no
 * whitespace, whose one data object holds only `asks`/`bids` (lists of levels of plain strings), `ts` (a
 * plain string) and `checksum`/`seqId`/`prevSeqId` (integers) — and returns undefined for anything else,
 * which then goes through JSON.parse. What it returns is what JSON.parse returns, except that each level keeps
 * only its price and size strings (all the adapter reads): the other two strings are never allocated.
 */
export function scanOkxBook(s: string): { arg: { channel: 'books'; instId: string }; action: string; data: [Record<string, unknown>] } | undefined {
  const n = s.length;
  if (!s.startsWith(HEAD) || s.charCodeAt(n - 1) !== 125 || s.charCodeAt(n - 2) !== 93 || s.charCodeAt(n - 3) !== 125) return undefined;
  let i = HEAD.length;
  const idEnd = plainString(s, i);
  if (idEnd < 0 || !s.startsWith('"},"action":"', idEnd)) return undefined;
  const instId = s.slice(i, idEnd);
  i = idEnd + 13;
  const actionEnd = plainString(s, i);
  if (actionEnd < 0 || !s.startsWith('","data":[{', actionEnd)) return undefined;
  const action = s.slice(i, actionEnd);
  i = actionEnd + 11;
  const d: Record<string, unknown> = {};
  const end = n - 3; // the data object's closing brace
  while (i < end) {
    if (s.charCodeAt(i) !== Q) return undefined;
    const keyEnd = plainString(s, i + 1);
    if (keyEnd < 0 || s.charCodeAt(keyEnd + 1) !== 58) return undefined;
    const key = KEYS[keyIndex(s, i + 1, keyEnd, KEYS)];
    i = keyEnd + 2;
    if (key === 'asks' || key === 'bids') {
      if (s.charCodeAt(i) !== 91) return undefined;
      const levels: [string, string][] = [];
      i = stringPairs(s, i + 1, levels);
      d[key] = levels;
    } else if (key === 'ts') {
      if (s.charCodeAt(i) !== Q) return undefined;
      const e = plainString(s, i + 1);
      if (e < 0) return undefined;
      d.ts = s.slice(i + 1, e);
      i = e + 1;
    } else if (key !== undefined) {
      const e = integer(s, i);
      if (e < 0) return undefined;
      d[key] = parseDecimal(s, i, e);
      i = e;
    } else return undefined;
    if (i < 0) return undefined;
    if (i === end) break;
    if (s.charCodeAt(i) !== COMMA || i + 1 === end) return undefined;
    i++;
  }
  return i === end ? { arg: { channel: 'books', instId }, action, data: [d] } : undefined;
}

const KEYS = ['asks', 'bids', 'ts', 'checksum', 'seqId', 'prevSeqId'];
