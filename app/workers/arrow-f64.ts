/**
 * Reads an Arrow IPC stream whose columns are all non-null float64 (what the cache and the history API hold)
 * into one Float64Array per column, without the Arrow library: the first paint after a reload must not wait
 * for 200 KB of Arrow to load and parse. Anything else (another type, nulls, dictionaries, compression, a
 * truncated stream) throws; callers that need the general case use apache-arrow.
 *
 * Format: a stream is messages (0xFFFFFFFF, int32 metadata length, a flatbuffer `Message`, then its body),
 * ended by a zero length. The schema message names the fields; each record batch lists per field a node
 * (length, null count) and two buffers (validity, data) as offsets into its body.
 */
export function readF64IPC(ipc: Uint8Array): Record<string, Float64Array> {
  const dv = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  const fail = (why: string): never => {
    throw new Error(`Arrow IPC (float64 reader): ${why}`);
  };
  const u32 = (p: number) => (p + 4 <= dv.byteLength ? dv.getUint32(p, true) : fail('truncated'));
  const i64 = (p: number) => {
    if (p + 8 > dv.byteLength) fail('truncated');
    const hi = dv.getInt32(p + 4, true);
    if (hi < 0 || hi > 0x1fffff) fail('64-bit value out of range');
    return hi * 2 ** 32 + dv.getUint32(p, true);
  };
  /** Position of field `i` of the flatbuffer table at `t`, or 0 when absent (the default value). */
  const field = (t: number, i: number): number => {
    const vt = t - dv.getInt32(t, true);
    if (vt < 0 || vt + 4 > dv.byteLength) fail('bad vtable');
    return 4 + 2 * i < dv.getUint16(vt, true) ? dv.getUint16(vt + 4 + 2 * i, true) && t + dv.getUint16(vt + 4 + 2 * i, true) : 0;
  };
  const ref = (p: number) => p + u32(p);
  const str = (p: number) => new TextDecoder().decode(ipc.subarray(ref(p) + 4, ref(p) + 4 + u32(ref(p))));

  let names: string[] | null = null;
  const parts: Float64Array[][] = [];
  for (let pos = 0; pos + 8 <= dv.byteLength; ) {
    if (u32(pos) === 0xffffffff) pos += 4;
    const len = u32(pos);
    if (len === 0) break;
    const msg = ref(pos + 4);
    const body = pos + 4 + len;
    const bodyLen = field(msg, 3) ? i64(field(msg, 3)) : 0;
    const kind = field(msg, 1) ? dv.getUint8(field(msg, 1)) : 0;
    const header = field(msg, 2) ? ref(field(msg, 2)) : fail('message without header');
    if (kind === 1) {
      const fields = ref(field(header, 1) || fail('schema without fields'));
      names = [];
      for (let i = 0; i < u32(fields); i++) {
        const f = ref(fields + 4 + 4 * i);
        const type = field(f, 3) ? ref(field(f, 3)) : 0;
        const precision = type && field(type, 0) ? dv.getInt16(field(type, 0), true) : 0;
        if ((field(f, 2) ? dv.getUint8(field(f, 2)) : 0) !== 3 || precision !== 2 || field(f, 4)) fail(`field ${i} is not float64`);
        names.push(field(f, 0) ? str(field(f, 0)) : '');
      }
    } else if (kind === 3) {
      if (!names) fail('record batch before the schema');
      if (field(header, 3)) fail('compressed bodies are not read here');
      const rows = field(header, 0) ? i64(field(header, 0)) : 0;
      const nodes = ref(field(header, 1) || fail('batch without nodes'));
      const bufs = ref(field(header, 2) || fail('batch without buffers'));
      if (u32(nodes) !== names!.length || u32(bufs) !== 2 * names!.length) fail('batch does not match the schema');
      names!.forEach((_, c) => {
        if (i64(nodes + 4 + 16 * c + 8) !== 0) fail(`column ${c} has nulls`);
        const off = body + i64(bufs + 4 + 16 * (2 * c + 1));
        if (i64(bufs + 4 + 16 * (2 * c + 1) + 8) < rows * 8 || off + rows * 8 > dv.byteLength) fail('truncated');
        const at = ipc.byteOffset + off;
        // a copy either way: aligned, a view is copied by `set` below; unaligned, sliced out of the buffer
        (parts[c] ??= []).push(at % 8 ? new Float64Array(ipc.buffer.slice(at, at + rows * 8)) : new Float64Array(ipc.buffer, at, rows));
      });
    } else fail(`message type ${kind} is not read here`);
    pos = body + bodyLen;
  }
  if (!names) fail('no schema');
  const out: Record<string, Float64Array> = {};
  names!.forEach((name, c) => {
    const ps = parts[c] ?? [];
    const col = (out[name] = new Float64Array(ps.reduce((n, p) => n + p.length, 0)));
    let at = 0;
    for (const p of ps) col.set(p, (at += p.length) - p.length);
  });
  return out;
}
