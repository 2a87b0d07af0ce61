import { PARAM_NAMES, type ModelParams } from './model';

/**
 * The float initializers of an ONNX model, read straight from its protobuf bytes: just enough of the wire
 * format (ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto.float_data = 4 packed, name = 8)
 * for the models tools/ml/onnx.ts writes. Isomorphic and dependency-free, so the browser can run the
 * TypeScript forward pass from the same verified bytes while onnxruntime's wasm is still compiling.
 */
export function onnxInitializers(bytes: Uint8Array): Map<string, Float32Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const varint = (p: { at: number }) => {
    let v = 0;
    let shift = 1;
    for (;;) {
      const b = bytes[p.at++];
      if (b === undefined) throw new RangeError('truncated ONNX model');
      v += (b & 0x7f) * shift;
      if (b < 0x80) return v;
      shift *= 128;
    }
  };
  /** Calls fn(field, start, end) for each length-delimited field of the message in [start, end); skips the rest. */
  const fields = (start: number, end: number, fn: (field: number, from: number, to: number) => void) => {
    const p = { at: start };
    while (p.at < end) {
      const key = varint(p);
      const wire = key & 7;
      if (wire === 0) varint(p);
      else if (wire === 1) p.at += 8;
      else if (wire === 5) p.at += 4;
      else if (wire === 2) {
        const len = varint(p);
        if (p.at + len > end) throw new RangeError('truncated ONNX model');
        fn(key >>> 3, p.at, p.at + len);
        p.at += len;
      } else throw new RangeError(`unsupported protobuf wire type ${wire}`);
    }
  };
  const out = new Map<string, Float32Array>();
  fields(0, bytes.length, (f, a, b) => {
    if (f !== 7) return;
    fields(a, b, (g, c, d) => {
      if (g !== 5) return;
      let name = '';
      let data = new Float32Array(0);
      fields(c, d, (t, e, h) => {
        if (t === 8) name = String.fromCharCode(...bytes.subarray(e, h));
        else if (t === 4) data = Float32Array.from({ length: (h - e) / 4 }, (_, i) => view.getFloat32(e + 4 * i, true));
      });
      out.set(name, data);
    });
  });
  return out;
}

/** The forecaster's parameters out of a model file, so evaluation and the browser's first forecasts use exactly the bytes that ship. */
export function decodeModel(bytes: Uint8Array): ModelParams {
  const init = onnxInitializers(bytes);
  const get = (name: string) => {
    const t = init.get(name);
    if (!t) throw new Error(`model has no initializer ${name}`);
    return Array.from(t);
  };
  return Object.fromEntries(PARAM_NAMES.map((name) => [name, get(name)])) as unknown as ModelParams;
}
