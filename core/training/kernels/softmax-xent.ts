// Mean softmax cross-entropy of logits [n, k] against int class labels, with label smoothing, as
// one training op. tfjs composes it from about 35 small ops forward and back (label smoothing,
// log-sum-exp, a custom gradient, the mean), and on the cpu backend each op costs tens of µs of
// bookkeeping whatever its size: about a tenth of a small network's step. These loops repeat
// tfjs's arithmetic step by step (each op's result rounded to float32, sums accumulated in double
// in order, as the cpu kernels do), so the loss and the logits' gradient are the same bits.
import type { GradConfig, KernelFunc, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../backend.js';
import type { CpuBackend } from './elementwise.js';

export const SOFTMAX_XENT = 'CosearchSoftmaxCrossEntropy';

const f32 = Math.fround;

interface Attrs {
  labelSmoothing: number;
}

/** Each row's log-softmax (tfjs's logits − logSumExp), and each class's smoothed label. */
function logSoftmax(
  logits: Float32Array,
  labels: Int32Array,
  k: number,
  labelSmoothing: number,
): { lr: Float32Array; label: (row: number, cls: number) => number } {
  const n = labels.length;
  const lr = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    let m = logits[o]!;
    for (let j = 1; j < k; j++) if (logits[o + j]! > m || Number.isNaN(logits[o + j]!)) m = logits[o + j]!;
    let c = 0;
    for (let j = 0; j < k; j++) c += f32(Math.exp(f32(logits[o + j]! - m)));
    const lse = f32(m + f32(Math.log(f32(c))));
    for (let j = 0; j < k; j++) lr[o + j] = logits[o + j]! - lse;
  }
  // tfjs: onehot · (1 − ls) + ls / k, each step in float32; no smoothing leaves the one-hot.
  const ls = f32(labelSmoothing);
  const on = f32(1 - ls);
  const off = f32(ls / k);
  const label =
    labelSmoothing > 0
      ? (r: number, j: number) => f32((labels[r] === j ? on : 0) + off)
      : (r: number, j: number) => (labels[r] === j ? 1 : 0);
  return { lr, label };
}

function inputs(args: Parameters<KernelFunc>[0]) {
  const b = args.backend as unknown as CpuBackend;
  const { logits, labels } = args.inputs;
  const lv = logits && b.data.get(logits.dataId).values;
  const yv = labels && b.data.get(labels.dataId).values;
  if (!(lv instanceof Float32Array) || !(yv instanceof Int32Array) || logits!.shape.length !== 2)
    throw new Error('softmax cross-entropy expects float32 logits [n, k] and int32 labels [n]');
  const k = logits!.shape[1]!;
  if (yv.length * k !== lv.length) throw new Error('softmax cross-entropy: labels do not match the logits');
  return { b, lv, yv, k, ls: (args.attrs as unknown as Attrs).labelSmoothing };
}

/** The loss: a float32 scalar. */
export const softmaxXentKernel: KernelFunc = (args) => {
  const { b, lv, yv, k, ls } = inputs(args);
  const { lr, label } = logSoftmax(lv, yv, k, ls);
  let total = 0;
  for (let r = 0; r < yv.length; r++) {
    let row = 0;
    for (let j = 0; j < k; j++) row += -f32(lr[r * k + j]! * label(r, j));
    total += f32(row);
  }
  return b.makeTensorInfo([], 'float32', Float32Array.of(f32(f32(total) / yv.length)));
};

export const SOFTMAX_XENT_GRAD = 'CosearchSoftmaxCrossEntropyGrad';

/** d loss / d logits = dy / n · (softmax − labels), rounded as tfjs's gradient chain rounds it. */
export const softmaxXentGradKernel: KernelFunc = (args) => {
  const { b, lv, yv, k, ls } = inputs(args);
  const dy = b.data.get(args.inputs.dy!.dataId).values as Float32Array;
  const g = f32(dy[0]! / yv.length);
  const { lr, label } = logSoftmax(lv, yv, k, ls);
  const out = new Float32Array(lv.length);
  for (let r = 0; r < yv.length; r++)
    for (let j = 0; j < k; j++) out[r * k + j] = g * f32(f32(Math.exp(lr[r * k + j]!)) - label(r, j));
  return b.makeTensorInfo([yv.length, k], 'float32', out);
};

export function softmaxXentGradient(tf: Tf): GradConfig {
  return {
    kernelName: SOFTMAX_XENT,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved, attrs) => {
      const [logits, labels] = saved as [Tensor, Tensor];
      return {
        logits: () =>
          tf.engine().runKernel(SOFTMAX_XENT_GRAD, { dy: dy as Tensor, logits, labels }, attrs) as Tensor,
      };
    },
  };
}

/** The fused loss on `tf` (whose cpu backend has the kernels); labels are int32 class ids. */
export function fusedSoftmaxXent(tf: Tf, logits: Tensor, labels: Tensor, labelSmoothing: number): Tensor {
  const attrs = { labelSmoothing } as unknown as NamedAttrMap;
  return tf.engine().runKernel(SOFTMAX_XENT, { logits, labels }, attrs) as Tensor;
}
