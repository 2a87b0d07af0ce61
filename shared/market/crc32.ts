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
