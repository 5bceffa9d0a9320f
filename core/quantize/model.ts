// Post-training quantization of a trained child and a simulation of its integer inference on tfjs.
//
// What the accelerator runs (TFLite's int8 scheme): batch-norm folded into the conv before it,
// ReLU fused into the op before it, weights as per-output-channel symmetric codes, every tensor
// between fused ops as per-tensor affine int8 codes, int32 accumulation. The simulation:
// - weights: each conv / depthwise / dense kernel is replaced by its quantize-dequantize. Folding
//   batch-norm multiplies output channel c by a constant a_c, and per-channel symmetric codes of
//   a_c·w are ±(codes of w) with scale |a_c|·s_c, so quantizing the unfolded kernel and applying
//   batch-norm in float is the folded integer arithmetic exactly (up to round-half ties);
// - activations: the model input and the output of every fused group (conv+bn+relu, add, pool,
//   squeeze-excite scale, dense, sigmoid) go through a quantize-dequantize with its calibrated
//   range; a reshape passes its (already quantized) input through, and the softmax is left out
//   (the argmax of the int8 logits is the prediction);
// - accumulation and biases stay in float: int32 accumulators do not overflow at these sizes, and
//   an int32 bias at scale s_in·s_w errs by far less than one output code.
// Weight scales per output channel: the clipping of max|w| with the least squared error (at 8 bits
// nearly always no clipping). Activation ranges are the min/max over a few seeded training batches,
// run through the fp32 model.
import { gatherRows } from '../data/batch.js';
import type { LoadedDataset, Split } from '../data/dataset.js';
import { Rng } from '../rng.js';
import { accuracyOf } from '../training/accuracy.js';
import { type Tf, tf } from '../training/backend.js';
import type { QuantizedScore } from '../training/types.js';
import {
  ACTIVATION_BITS,
  type ActivationQuant,
  dequantizePerChannel,
  fakeQuantInto,
  type PerChannelWeights,
  quantizePerChannel,
  RangeObserver,
  type WeightClip,
} from './int.js';

type Tensor = ReturnType<Tf['tensor']>;
type LayersModel = ReturnType<Tf['model']>;
type Layer = LayersModel['layers'][number];
type SymbolicTensor = LayersModel['inputs'][number];

/** One quantized kernel: its layer, shape (channels last) and codes with per-channel scales. */
export interface QuantizedKernel extends PerChannelWeights {
  layer: string;
  shape: number[];
}

/** The quantized child: what is exported beside the fp32 model and what the simulation runs. */
export interface QuantizedChild {
  weightBits: number;
  /** How the per-channel weight scales were chosen (quantizePerChannel). */
  weightClip: WeightClip;
  activationBits: number;
  calibrationExamples: number;
  kernels: QuantizedKernel[];
  /** By the name of the layer producing the tensor (`input` for the model input), in run order. */
  activations: ({ tensor: string } & ActivationQuant)[];
}

export interface CalibrationOptions {
  weightBits: number;
  /** Per-channel weight scale rule; `mse` (least squared error over clipping ratios) by default. */
  weightClip?: WeightClip;
  /** Batches of training examples whose ranges set the activation scales. */
  batches: number;
  batchSize: number;
  /** Picks the calibration examples (a seeded draw without replacement from the split). */
  seed: number;
}

const WEIGHTED = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);
// Layers that hold weights but are folded into the op before them.
const FOLDED = new Set(['BatchNormalization']);
const PASS_THROUGH = new Set(['Reshape']);

interface Step {
  layer: Layer;
  kind: string;
  inputs: number[];
  output: number;
  /** The output is a stored tensor of the integer graph (quantized), not fused into the next op. */
  quantized: boolean;
}

const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

function activationOf(layer: Layer): string | undefined {
  return layer.getClassName() === 'Activation'
    ? String((layer.getConfig() as { activation?: unknown }).activation)
    : undefined;
}

/** The model's layers in run order, with which outputs the integer graph stores. */
export function integerGraph(model: LayersModel): { input: number; output: number; steps: Step[] } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new Error('quantization expects a model with one input and one output');
  const consumers = new Map<number, Layer[]>();
  const steps: Step[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1)
      throw new Error(`layer ${layer.name} is applied ${layer.inboundNodes.length} times: cannot quantize`);
    const ins = asList(layer.input as SymbolicTensor | SymbolicTensor[]);
    for (const s of ins) consumers.set(s.id, [...(consumers.get(s.id) ?? []), layer]);
    if (layer.weights.length > 0 && !WEIGHTED.has(kind) && !FOLDED.has(kind))
      throw new Error(`cannot quantize layer ${layer.name} (${kind}): no integer form for its weights`);
    steps.push({
      layer,
      kind,
      inputs: ins.map((s) => s.id),
      output: (layer.output as SymbolicTensor).id,
      quantized: true,
    });
  }
  const sole = (id: number): Layer | undefined => {
    const c = consumers.get(id);
    return c?.length === 1 ? c[0] : undefined;
  };
  for (const st of steps) {
    const next = sole(st.output);
    const nextKind = next?.getClassName();
    const foldsIntoBn = WEIGHTED.has(st.kind) && nextKind !== undefined && FOLDED.has(nextKind);
    const fusesRelu =
      (WEIGHTED.has(st.kind) || FOLDED.has(st.kind)) && next !== undefined && activationOf(next) === 'relu';
    if (foldsIntoBn || fusesRelu || PASS_THROUGH.has(st.kind) || activationOf(st.layer) === 'softmax')
      st.quantized = false;
  }
  return { input: model.inputs[0]!.id, output: model.outputs[0]!.id, steps };
}

/** Channels of a kernel's per-channel scales: its output channels (depthwise: in × multiplier). */
function outputChannels(kind: string, shape: readonly number[]): number {
  if (kind === 'DepthwiseConv2D') return shape[2]! * shape[3]!;
  return shape[shape.length - 1]!;
}

interface ConvConfig {
  strides?: number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
  activation?: string;
  useBias?: boolean;
}

/** One weighted layer with the given kernel, as the layer computes it (channels last, linear). */
function runWeighted(
  kind: string,
  layer: Layer,
  x: Tensor,
  kernel: Tensor,
  bias: Tensor | undefined,
): Tensor {
  const cfg = layer.getConfig() as ConvConfig;
  if (cfg.activation !== undefined && cfg.activation !== 'linear')
    throw new Error(`layer ${layer.name}: fused activation ${cfg.activation} is not simulated`);
  let y: Tensor;
  if (kind === 'Dense') {
    if (x.rank !== 2) throw new Error(`layer ${layer.name}: dense on rank ${x.rank} input is not simulated`);
    y = tf.matMul(x as ReturnType<Tf['tensor2d']>, kernel as ReturnType<Tf['tensor2d']>);
  } else {
    if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast')
      throw new Error(`layer ${layer.name}: only channels-last convolutions are simulated`);
    const strides = (cfg.strides ?? [1, 1]) as [number, number];
    const d = cfg.dilationRate ?? 1;
    const dil = (Array.isArray(d) ? d : [d, d]) as [number, number];
    const pad = (cfg.padding ?? 'valid') as 'same' | 'valid';
    const x4 = x as ReturnType<Tf['tensor4d']>;
    const k4 = kernel as ReturnType<Tf['tensor4d']>;
    y =
      kind === 'Conv2D'
        ? tf.conv2d(x4, k4, strides, pad, 'NHWC', dil)
        : tf.depthwiseConv2d(x4, k4, strides, pad, 'NHWC', dil);
  }
  return bias ? tf.add(y, bias) : y;
}

/**
 * Runs the model layer by layer. With `kernels`, weighted layers use them instead of their own;
 * with `quant`, stored tensors are quantize-dequantized; with `observe`, their ranges are recorded.
 * Returns the model's output (the softmax of the last logits).
 */
function runGraph(
  model: LayersModel,
  x: Tensor,
  opts: {
    kernels?: ReadonlyMap<string, Tensor>;
    quant?: ReadonlyMap<string, ActivationQuant>;
    observe?: Map<string, RangeObserver>;
  },
): Tensor {
  const g = integerGraph(model);
  const store = (name: string, t: Tensor): Tensor => {
    const data = t.dataSync() as Float32Array;
    if (opts.observe) {
      const o = opts.observe.get(name) ?? new RangeObserver();
      opts.observe.set(name, o);
      o.observe(data);
    }
    const a = opts.quant?.get(name);
    if (!a) return t;
    const q = tf.tensor(fakeQuantInto(data, new Float32Array(data.length), a), t.shape, 'float32');
    t.dispose();
    return q;
  };
  // Each intermediate is freed once its last consumer has run: a batch of 28×28×48 maps is large.
  const uses = new Map<number, number>();
  for (const st of g.steps) for (const i of st.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const values = new Map<number, Tensor>();
  values.set(g.input, store('input', x));
  for (const st of g.steps) {
    const ins = st.inputs.map((id) => {
      const v = values.get(id);
      if (!v) throw new Error(`layer ${st.layer.name} runs before its input`);
      return v;
    });
    let y: Tensor;
    const k = opts.kernels?.get(st.layer.name);
    if (WEIGHTED.has(st.kind)) {
      const own = st.layer.getWeights();
      y = runWeighted(st.kind, st.layer, ins[0]!, k ?? own[0]!, own[1]);
    } else y = st.layer.apply(ins.length === 1 ? ins[0]! : ins, { training: false }) as Tensor;
    if (st.quantized) y = store(st.layer.name, y);
    values.set(st.output, y);
    for (const id of st.inputs) {
      const left = (uses.get(id) ?? 0) - 1;
      uses.set(id, left);
      if (left === 0 && id !== g.output) {
        const v = values.get(id)!;
        if (v !== x) v.dispose();
        values.delete(id);
      }
    }
  }
  const out = values.get(g.output);
  if (!out) throw new Error('the model output was never computed');
  return out;
}

/** Per-channel codes of every conv, depthwise and dense kernel of the model. */
export function quantizeKernels(
  model: LayersModel,
  bits: number,
  clip: WeightClip = 'mse',
): QuantizedKernel[] {
  const out: QuantizedKernel[] = [];
  for (const st of integerGraph(model).steps) {
    if (!WEIGHTED.has(st.kind)) continue;
    const kernel = st.layer.getWeights()[0]!;
    const shape = [...kernel.shape];
    const w = quantizePerChannel(
      kernel.dataSync() as Float32Array,
      outputChannels(st.kind, shape),
      bits,
      clip,
    );
    out.push({ layer: st.layer.name, shape, ...w });
  }
  return out;
}

/** Example indices of the calibration batches: a seeded draw without replacement. */
export function calibrationRows(n: number, count: number, seed: number): number[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  return Rng.fromSeed(`calibrate:${seed}`).shuffle(ids).slice(0, Math.min(n, count));
}

/**
 * Quantizes a trained model: weights per channel at `weightBits`, activation ranges from
 * `batches` seeded training batches run through the fp32 model. Deterministic.
 */
export function quantizeModel(
  model: LayersModel,
  train: Split,
  shape: readonly [number, number, number],
  opts: CalibrationOptions,
): QuantizedChild {
  const weightClip = opts.weightClip ?? 'mse';
  const kernels = quantizeKernels(model, opts.weightBits, weightClip);
  const rows = calibrationRows(train.n, opts.batches * opts.batchSize, opts.seed);
  if (rows.length === 0) throw new Error('no training examples to calibrate on');
  const per = shape[0] * shape[1] * shape[2];
  const observe = new Map<string, RangeObserver>();
  const xb = new Float32Array(opts.batchSize * per);
  const yb = new Int32Array(opts.batchSize);
  for (let s = 0; s < rows.length; s += opts.batchSize) {
    const m = Math.min(opts.batchSize, rows.length - s);
    gatherRows(train, per, rows, s, m, xb, yb);
    tf.tidy(() => {
      runGraph(model, tf.tensor4d(xb.subarray(0, m * per), [m, ...shape]), { observe });
    });
  }
  return {
    weightBits: opts.weightBits,
    weightClip,
    activationBits: ACTIVATION_BITS,
    calibrationExamples: rows.length,
    kernels,
    activations: [...observe].map(([tensor, o]) => ({ tensor, ...o.params(ACTIVATION_BITS) })),
  };
}

/** A predictor that simulates the quantized child's integer inference; dispose() frees its kernels. */
export function quantizedPredictor(
  model: LayersModel,
  q: QuantizedChild,
): { predict(x: Tensor): Tensor; dispose(): void } {
  const kernels = new Map<string, Tensor>();
  for (const k of q.kernels) kernels.set(k.layer, tf.tensor(dequantizePerChannel(k), k.shape, 'float32'));
  const quant = new Map(q.activations.map((a) => [a.tensor, a]));
  return {
    predict: (x) => runGraph(model, x, { kernels, quant }),
    dispose: () => {
      for (const t of kernels.values()) t.dispose();
    },
  };
}

/** Accuracy of the quantized child on a split, scored like the fp32 model (same batches). */
export function quantizedAccuracy(
  model: LayersModel,
  q: QuantizedChild,
  split: Split,
  shape: readonly [number, number, number],
): number {
  const p = quantizedPredictor(model, q);
  try {
    return accuracyOf(p.predict, split, shape);
  } finally {
    p.dispose();
  }
}

/** The layer-by-layer run without quantization: equals model.predict (tests check it). */
export function floatPredict(model: LayersModel, x: Tensor): Tensor {
  return runGraph(model, x, {});
}

/**
 * The trainer's step: quantize a trained child (calibrated on its training split) and score it on
 * validation and test, as the fp32 model is scored.
 */
export function quantizeChild(
  model: LayersModel,
  data: Pick<LoadedDataset, 'train' | 'val' | 'test' | 'shape'>,
  opts: CalibrationOptions,
): { child: QuantizedChild; score: QuantizedScore } {
  const child = quantizeModel(model, data.train, data.shape, opts);
  const p = quantizedPredictor(model, child);
  try {
    return {
      child,
      score: {
        weightBits: child.weightBits,
        activationBits: child.activationBits,
        calibrationExamples: child.calibrationExamples,
        valAccuracy: accuracyOf(p.predict, data.val, data.shape),
        testAccuracy: accuracyOf(p.predict, data.test, data.shape),
      },
    };
  } finally {
    p.dispose();
  }
}
