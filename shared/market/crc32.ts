/**
 * CRC-32 (IEEE 802.3, the zlib polynomial) as the venues' book checksums use it. Table-driven and
 * incremental over string characters (checksum inputs are ASCII digits, dots, signs and colons), so a
 * checksum is fed straight from the book's stored strings without building the joined string.
 */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Start value of a running CRC; finish with `crc32End`. */
export const CRC32_START = -1;

/** Adds the characters of `s[from..]` to a running CRC. */
export function crc32Add(crc: number, s: string, from = 0): number {
  for (let i = from; i < s.length; i++) crc = TABLE[(crc ^ s.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return crc;
}

/** Adds one character code. */
export const crc32AddCode = (crc: number, code: number): number => TABLE[(crc ^ code) & 0xff]! ^ (crc >>> 8);

/** The finished CRC as a signed 32-bit integer (OKX); `>>> 0` gives the unsigned one (Kraken). */
export const crc32End = (crc: number): number => ~crc;

/** CRC-32 of a whole string, signed. */
export const crc32 = (s: string): number => crc32End(crc32Add(CRC32_START, s));

/**
 * Per byte count n, the linear map "run n zero bytes through the CRC register" as four 256-entry tables
 * (one per register byte). CRC is linear, so the register after a text t started from r is
 * `zeros(n)(r) ^ (register after t started from 0)`: a text's CRC from 0 (its digest) is computed once,
 * and appended to any running CRC later in four lookups.
 */
const ZEROS: Int32Array[] = [];

function zeros(n: number): Int32Array {
  const t = new Int32Array(1024);
  for (let j = 0; j < 4; j++) {
    for (let b = 0; b < 256; b++) {
      let c = b << (8 * j);
      for (let k = 0; k < n; k++) c = TABLE[c & 0xff]! ^ (c >>> 8);
      t[256 * j + b] = c;
    }
  }
  return (ZEROS[n] = t);
}

/**
 * Digest of a text (at most 255 characters) for `crc32Append`: its CRC register started from 0, and its
 * length, in one number (register × 256 + length, exact in a double).
 */
export const crc32Digest = (register: number, length: number): number => (register >>> 0) * 256 + length;

/** A running CRC (`CRC32_START`…) with the text a digest stands for appended. */
export function crc32Append(crc: number, digest: number): number {
  const n = digest & 0xff;
  const t = ZEROS[n] ?? zeros(n);
  return t[crc & 0xff]! ^ t[256 + ((crc >>> 8) & 0xff)]! ^ t[512 + ((crc >>> 16) & 0xff)]! ^ t[768 + (crc >>> 24)]! ^ ((digest / 256) | 0);
}
