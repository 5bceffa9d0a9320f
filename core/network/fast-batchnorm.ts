// Batch-norm whose training-mode forward and backward are one loop each on the cpu backend.
// tfjs-layers composes them from ~40 small ops per layer, and on small children the per-op cost
// dominates a step. It serializes as a plain `BatchNormalization`, so saved models load anywhere,
// and everywhere else (inference, other backends, other axes) it is the stock layer.
import * as tf from '@tensorflow/tfjs';
import { ownValues } from '../training/cpu-data.js';
import { activeBatchNorm } from '../training/kernels/batchnorm.js';
import { reluGrad } from '../training/kernels/elementwise.js';
import { stockLayerClass } from './stock-layer.js';

type Tensor = tf.Tensor;
type BatchNorm = ReturnType<typeof tf.layers.batchNormalization>;
type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type Kwargs = Parameters<BatchNorm['call']>[1];

interface LayerVar {
  read(): Tensor;
  write(t: Tensor): void;
}
interface Internals {
  axis: number | number[];
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVar;
  beta: LayerVar;
  movingMean: LayerVar;
  movingVariance: LayerVar;
}

const Base = stockLayerClass<BatchNorm, BatchNormArgs | undefined>('BatchNormalization');

/** Per-channel batch statistics, normalized output and the gradient, on channels-last arrays. */
export function batchNormTrain(
  x: Float32Array,
  c: number,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  relu = false,
): { y: Float32Array; mean: Float32Array; variance: Float32Array; xhat: Float32Array; invStd: Float64Array } {
  const n = x.length / c;
  const sum = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) for (let j = 0; j < c; j++) sum[j]! += x[i + j]!;
  const mean = new Float64Array(c);
  for (let j = 0; j < c; j++) mean[j] = sum[j]! / n;
  const sq = new Float64Array(c);
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++) {
      const d = x[i + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  const invStd = new Float64Array(c);
  const variance = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    variance[j] = sq[j]! / n;
    invStd[j] = 1 / Math.sqrt(sq[j]! / n + eps);
  }
  const xhat = new Float32Array(x.length);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++) {
      const h = (x[i + j]! - mean[j]!) * invStd[j]!;
      xhat[i + j] = h;
      y[i + j] = gamma[j]! * h + beta[j]!;
      // A fused ReLU as the cpu kernel computes it (-0 to +0, NaN kept), on the float32 value.
      if (relu && !(y[i + j]! > 0) && !Number.isNaN(y[i + j]!)) y[i + j] = 0;
    }
  return { y, mean: Float32Array.from(mean), variance, xhat, invStd };
}

export function batchNormGrad(
  dy: Float32Array,
  xhat: Float32Array,
  invStd: Float64Array,
  gamma: Float32Array,
  c: number,
  reluOut?: Float32Array,
): { dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array } {
  // After a fused ReLU the gradient reaching the batch norm is dy · step(y), exactly as the ReLU
  // gradient kernel computes it.
  if (reluOut) dy = reluGrad(dy, reluOut);
  const n = dy.length / c;
  const sDy = new Float64Array(c);
  const sDyX = new Float64Array(c);
  for (let i = 0; i < dy.length; i += c)
    for (let j = 0; j < c; j++) {
      sDy[j]! += dy[i + j]!;
      sDyX[j]! += dy[i + j]! * xhat[i + j]!;
    }
  const k = new Float64Array(c);
  for (let j = 0; j < c; j++) k[j] = (gamma[j]! * invStd[j]!) / n;
  const dx = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i += c)
    for (let j = 0; j < c; j++) dx[i + j] = k[j]! * (n * dy[i + j]! - sDy[j]! - xhat[i + j]! * sDyX[j]!);
  return { dx, dGamma: Float32Array.from(sDyX), dBeta: Float32Array.from(sDy) };
}

/** Outputs of batch norms that applied their ReLU themselves (by data id: what layers see). */
const reluApplied = new WeakSet<object>();

export class FastBatchNormalization extends Base {
  // Saved models name the stock class, so they load without this one.
  static className = 'BatchNormalization';

  /**
   * Set when the only consumer is a ReLU (a FastActivation): training then applies the ReLU here,
   * in the same loop, and that layer passes the output through. Not serialized: a saved model is
   * the stock batch norm and activation, and inference runs them as such.
   */
  fuseRelu = false;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const self = this as unknown as Internals;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const axis = Array.isArray(self.axis) ? self.axis : [self.axis];
    const channelsLast = axis.length === 1 && (axis[0] === -1 || axis[0] === x.rank - 1);
    if (!kwargs.training || tf.getBackend() !== 'cpu' || !channelsLast || !self.center || !self.scale)
      return super.call(inputs, kwargs);
    const c = x.shape[x.rank - 1]!;
    const eps = self.epsilon;
    const momentum = self.momentum;
    const relu = this.fuseRelu && this.feedsOnlyRelu();
    const f = tf.customGrad((...args) => {
      const [xt, g, b, save] = args as [Tensor, Tensor, Tensor, (ts: Tensor[]) => void];
      const gv = g.dataSync() as Float32Array;
      // The native kernel pack's twins of these loops (same bits) while it is installed.
      const bn = activeBatchNorm();
      const read = bn?.read ?? ((t: Tensor) => t.dataSync() as Float32Array);
      const r = (bn?.train ?? batchNormTrain)(read(xt), c, gv, b.dataSync() as Float32Array, eps, relu);
      // Same update as the stock layer: moving -= (moving - batch) * (1 - momentum); in place
      // when nothing else holds the old values (element j is read before it is written).
      for (const [v, stat] of [
        [self.movingMean, r.mean],
        [self.movingVariance, r.variance],
      ] as const) {
        const old = v.read();
        const own = ownValues(old);
        const ov = own ?? (old.dataSync() as Float32Array);
        const nv = own ?? new Float32Array(c);
        for (let j = 0; j < c; j++) nv[j] = ov[j]! - (ov[j]! - stat[j]!) * (1 - momentum);
        if (!own) tf.tidy(() => v.write(tf.tensor1d(nv)));
      }
      const value = tf.tensor(r.y, xt.shape, 'float32');
      // The gradient reads the ReLU's output: saved, so its data outlives whatever consumes it.
      if (relu) save([value]);
      return {
        value,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const reluOut = relu ? read(saved[0]!) : undefined;
          const gr = (bn?.grad ?? batchNormGrad)(read(dy), r.xhat, r.invStd, gv, c, reluOut);
          return [tf.tensor(gr.dx, xt.shape, 'float32'), tf.tensor1d(gr.dGamma), tf.tensor1d(gr.dBeta)];
        },
      };
    });
    const out = f(x, self.gamma.read(), self.beta.read());
    if (relu) reluApplied.add(out.dataId);
    return out;
  }

  /** Whether this layer's one application feeds one layer, a ReLU FastActivation, and nothing else. */
  private feedsOnlyRelu(): boolean {
    const nodes = (this as unknown as { outboundNodes: { outboundLayer: unknown }[] }).outboundNodes;
    const next = nodes.length === 1 ? nodes[0]!.outboundLayer : undefined;
    return next instanceof FastActivation && next.isRelu();
  }
}

type Activation = ReturnType<typeof tf.layers.activation>;
type ActivationArgs = Parameters<typeof tf.layers.activation>[0];
type ActivationKwargs = Parameters<Activation['call']>[1];

const ActivationBase = stockLayerClass<Activation, ActivationArgs>('Activation');

/**
 * An Activation layer that, in training, passes through a batch norm's output whose ReLU that
 * batch norm already applied (FastBatchNormalization.fuseRelu); ReLU is idempotent, so any other
 * input gets the stock layer. It serializes as the stock `Activation`.
 */
export class FastActivation extends ActivationBase {
  static className = 'Activation';

  override call(inputs: Tensor | Tensor[], kwargs: ActivationKwargs): Tensor | Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training === true && this.isRelu() && reluApplied.has(x.dataId)) return x;
    return super.call(inputs, kwargs);
  }

  isRelu(): boolean {
    return (
      (this as unknown as { activation: { getClassName(): string } }).activation.getClassName() === 'relu'
    );
  }
}
