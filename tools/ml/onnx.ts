import onnxProto from 'onnx-proto';
import { HORIZONS, PARAM_NAMES, QUANTILES, type ModelParams } from '../../shared/ml/model';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const H = HORIZONS.length;
const Q = QUANTILES.length;
/** Initializer names and shapes for f features: the graph's weights, in PARAM_NAMES order. */
const shapes = (f: number): Record<keyof ModelParams, number[]> => ({ mean: [f], scale: [f], volW: [f, H], volB: [H], quantW: [H, H * Q], dirW: [f, H], dirB: [H] });
const weights = (f: number) => PARAM_NAMES.map((name) => [name, shapes(f)[name]] as const);

const io = (name: string, width: number) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
});
const node = (opType: string, input: string[], output: string) => ({ opType, input, output: [output], name: output });

/**
 * The forecaster as an ONNX graph of Sub, Div, MatMul, Add, Exp and Sigmoid (opset 13), weights as float32
 * initializers. Normalization lives inside the graph, so the file is the whole model. The bytes depend only
 * on the parameters: no timestamps or paths are written.
 */
export function encodeModel(p: ModelParams): Uint8Array {
  const f = p.mean.length;
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'edgetape tools/ml/train.ts',
    modelVersion: 1,
    docString: `edgetape forecaster: vol σ, log-return quantiles ${QUANTILES.join('/')} and P(up) for ${HORIZONS.join(', ')} one-minute bars ahead`,
    graph: {
      name: 'forecast',
      input: [io('features', f)],
      output: [io('vol', H), io('quantiles', H * Q), io('p_up', H)],
      initializer: weights(f).map(([name, dims]) => ({ name, dims, dataType: FLOAT, floatData: p[name] })),
      node: [
        node('Sub', ['features', 'mean'], 'centered'),
        node('Div', ['centered', 'scale'], 'z'),
        node('MatMul', ['z', 'volW'], 'volLin'),
        node('Add', ['volLin', 'volB'], 'logVol'),
        node('Exp', ['logVol'], 'vol'),
        node('MatMul', ['vol', 'quantW'], 'quantiles'),
        node('MatMul', ['z', 'dirW'], 'dirLin'),
        node('Add', ['dirLin', 'dirB'], 'logit'),
        node('Sigmoid', ['logit'], 'p_up'),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export { decodeModel } from '../../shared/ml/onnx-weights';

/** float32 rounding, applied to weights before encoding so the TypeScript forward pass uses the same values. */
export const toFloat32 = (p: ModelParams): ModelParams =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.from(Float32Array.from(v as number[]))])) as unknown as ModelParams;
