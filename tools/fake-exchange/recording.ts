import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** One received frame of a recording, at its original local receive time. */
export interface RecordedFrame {
  /** Local receive time, Unix ms (fractional). */
  t: number;
  /** The frame's original text, byte for byte. */
  frame: string;
  /** 1-based line in its file, for error messages and for tests that look the frame up. */
  line: number;
  file: string;
  /** CF-REST lines (`<url> -> <ts>: <body>`): a REST response captured beside the socket, or inline in an edgetape recording; `frame` is its body. The server never sends these. */
  kind?: 'rest';
  url?: string;
}

const text = (file: string): string => {
  const buf = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
};

/**
 * Reads hftbacktest (`<local_ns> <json>`) and cryptofeed (`<ts>: <frame>`, CF-REST `<url> -> <ts>: <body>`)
 * recordings into one list.
 * Lines that are not received frames (connection and sent-message lines, blanks) are skipped.
 */
export function readRecording(file: string): RecordedFrame[] {
  const out: RecordedFrame[] = [];
  const lines = text(file).split('\n');
  if (lines[0]?.startsWith('{"edgetape":')) return readEdgetape(lines, file);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const hbt = /^(\d{19}) /.exec(line);
    if (hbt) {
      out.push({ t: Number(BigInt(hbt[1]!) / 1000n) / 1000, frame: line.slice(hbt[0].length), line: i + 1, file });
      continue;
    }
    const cf = /^(\d+(?:\.\d+)?): /.exec(line);
    if (cf) {
      out.push({ t: Number(cf[1]) * 1000, frame: line.slice(cf[0].length), line: i + 1, file });
      continue;
    }
    const rest = /^(https?:\/\/\S+) -> (\d+(?:\.\d+)?): /.exec(line);
    if (rest) out.push({ t: Number(rest[2]) * 1000, frame: line.slice(rest[0].length), line: i + 1, file, kind: 'rest', url: rest[1]! });
  }
  return out;
}

/** The header of a recorder's file (venue and symbols it holds), or undefined for other formats. */
export function edgetapeHeader(file: string): { exchange: string; symbols: string[] } | undefined {
  const first = text(file).slice(0, 4096).split('\n', 1)[0]!;
  return first.startsWith('{"edgetape":') ? (JSON.parse(first) as { exchange: string; symbols: string[] }) : undefined;
}

/**
 * The recorder's format (docs/recording-format.md): received frames and REST responses, in time order.
 * Binary frames (base64) are left out: the fake exchange sends text frames only.
 */
function readEdgetape(lines: string[], file: string): RecordedFrame[] {
  const header = JSON.parse(lines[0]!) as { edgetape: unknown };
  if (header.edgetape !== 1) throw new Error(`${file}: edgetape recording version ${String(header.edgetape)} is not supported (expected 1)`);
  const out: RecordedFrame[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    let r: { t: number; k: string; d?: string; url?: string; b64?: boolean };
    try {
      r = JSON.parse(lines[i]!) as typeof r;
    } catch {
      throw new Error(`${file}:${i + 1}: not a JSON record`);
    }
    if (r.k === 'ws' && typeof r.d === 'string' && !r.b64) out.push({ t: r.t, frame: r.d, line: i + 1, file });
    else if (r.k === 'rest' && typeof r.d === 'string') out.push({ t: r.t, frame: r.d, line: i + 1, file, kind: 'rest', url: r.url });
  }
  return out;
}
