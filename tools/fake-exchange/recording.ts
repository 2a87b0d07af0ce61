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
  /** CF-REST lines (`<url> -> <ts>: <body>`): a REST response captured beside the socket; `frame` is its body. */
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
