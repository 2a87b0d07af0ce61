import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** One received frame (or REST response) of a recording, at its original local receive time. */
export interface RecordedFrame {
  /** Local receive time, Unix ms (fractional); 0 when the file has no clock (one raw frame per line). */
  t: number;
  /** The frame's (or REST body's) original text, byte for byte. */
  frame: string;
  /** 1-based line in its file, for error messages and for tests that look the frame up. */
  line: number;
  file: string;
  /** `ws`: a frame from the socket; `rest`: a REST response (order-book snapshot, instrument list). Absent means `ws`. */
  kind?: 'ws' | 'rest';
  /** For `rest`: the requested URL, where the recording has it (hftbacktest's inline snapshot does not). */
  url?: string;
}

/** A line that is none of the formats: its number, a prefix of its text, and why. */
export type BadLine = (line: number, text: string, reason: string) => void;

const text = (file: string): string => {
  const buf = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
};

const HBT = /^(\d{19}) /;
const CF_WS = /^(\d+(?:\.\d+)?): /;
const CF_REST = /^(\S+) -> (\d+(?:\.\d+)?): /;
/** Connection and sent-message lines of cryptofeed, and its trailing configuration line: not frames. */
const CF_OTHER = /^(?:\S+ <-> \d|\S+ <- \d|configuration: )/;

/**
 * Reads every recording format edgetape meets into one list of received frames and REST responses:
 * hftbacktest (`<local_ns> <json>`, its inline depth snapshot as `rest`), cryptofeed CF-WS (`<ts>: <frame>`)
 * and CF-REST (`<url> -> <ts>: <body>`), the edgetape format (docs/recording-format.md), and files of one
 * raw JSON frame per line. Connection, sent-message and header lines are skipped; any other line goes to
 * `onBad` (default: skipped silently, as the fake exchange wants).
 */
export function readRecording(file: string, onBad?: BadLine): RecordedFrame[] {
  const out: RecordedFrame[] = [];
  const lines = text(file).split('\n');
  const edgetape = lines[0]?.startsWith('{"edgetape":') ?? false;
  for (let i = edgetape ? 1 : 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line) continue;
    const n = i + 1;
    if (edgetape) {
      const r = edgetapeRecord(line);
      if (typeof r === 'string') onBad?.(n, line.slice(0, 80), r);
      else if (r) out.push({ ...r, line: n, file });
      continue;
    }
    const hbt = HBT.exec(line);
    if (hbt) {
      const frame = line.slice(hbt[0].length);
      const t = Number(BigInt(hbt[1]!) / 1000n) / 1000;
      out.push({ t, frame, line: n, file, kind: kindOf(frame) });
      continue;
    }
    const cf = CF_WS.exec(line);
    if (cf) {
      out.push({ t: Number(cf[1]) * 1000, frame: line.slice(cf[0].length), line: n, file, kind: 'ws' });
      continue;
    }
    const rest = CF_REST.exec(line);
    if (rest) {
      out.push({ t: Number(rest[2]) * 1000, frame: line.slice(rest[0].length), line: n, file, kind: 'rest', url: rest[1]! });
      continue;
    }
    if (CF_OTHER.test(line)) continue;
    if (line[0] === '{' || line[0] === '[') out.push({ t: 0, frame: line, line: n, file, kind: kindOf(line) });
    else onBad?.(n, line.slice(0, 80), 'not a line of any known recording format');
  }
  return out;
}

/** hftbacktest (and raw frame files cut from it) put Binance's REST depth snapshot among the socket frames. */
const kindOf = (frame: string): 'ws' | 'rest' => (frame.startsWith('{"lastUpdateId"') ? 'rest' : 'ws');

/** One edgetape record: the frame, undefined for records that are not received data, or why it is unreadable. */
function edgetapeRecord(line: string): Omit<RecordedFrame, 'line' | 'file'> | undefined | string {
  let r: { t?: unknown; k?: unknown; url?: unknown; d?: unknown; b64?: unknown };
  try {
    r = JSON.parse(line) as typeof r;
  } catch {
    return 'edgetape record is not JSON';
  }
  if (typeof r !== 'object' || r === null || typeof r.t !== 'number' || typeof r.k !== 'string') return 'edgetape record without t and k';
  if (r.k !== 'ws' && r.k !== 'rest') return undefined;
  if (typeof r.d !== 'string') return `edgetape ${r.k} record without d`;
  const frame = r.b64 === true ? Buffer.from(r.d, 'base64').toString('utf8') : r.d;
  return r.k === 'rest' ? { t: r.t, frame, kind: 'rest', ...(typeof r.url === 'string' ? { url: r.url } : {}) } : { t: r.t, frame, kind: 'ws' };
}

/** The header of a recorder's file (venue and symbols it holds), or undefined for other formats. */
export function edgetapeHeader(file: string): { exchange: string; symbols: string[] } | undefined {
  const first = text(file).slice(0, 4096).split('\n', 1)[0]!;
  if (!first.startsWith('{"edgetape":')) return undefined;
  const header = JSON.parse(first) as { edgetape: unknown; exchange: string; symbols: string[] };
  if (header.edgetape !== 1) throw new Error(`${file}: edgetape recording version ${String(header.edgetape)} is not supported (expected 1)`);
  return header;
}
