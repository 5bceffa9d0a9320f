// The tfjs LayersModel of a child network, from the same walk as its analytic summary.
// Every initializer is seeded from the project's Rng, one independent stream per layer name.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng.js';
import type { NetworkArch } from '../space/types.js';
import { FastActivation, FastBatchNormalization } from './fast-batchnorm.js';
import { FastConv2D } from './fast-conv.js';
import type { NetworkSummary } from './layers.js';
import { type Activation, type Emitter, HEAD_DENSE, HEAD_POOL, walkMobileCnn } from './mobile-cnn.js';
import { summarizeNetwork } from './summary.js';

type Sym = tf.SymbolicTensor;

/** Short proxy trainings need moving statistics that settle in tens of steps, not hundreds. */
export const BN_MOMENTUM = 0.9;

class TfEmitter implements Emitter<Sym> {
  logits: Sym | undefined;

  constructor(private readonly rng: Rng) {}

  private seed(name: string): number {
    return this.rng.split(name).int(2 ** 31);
  }

  conv(x: Sym, name: string, k: number, stride: number, filters: number, bias: boolean): Sym {
    return new FastConv2D({
      name,
      filters,
      kernelSize: k,
      strides: stride,
      padding: 'same',
      useBias: bias,
      kernelInitializer: tf.initializers.heNormal({ seed: this.seed(name) }),
    }).apply(x) as Sym;
  }

  depthwise(x: Sym, name: string, k: number, stride: number): Sym {
    return tf.layers
      .depthwiseConv2d({
        name,
        kernelSize: k,
        strides: stride,
        padding: 'same',
        depthMultiplier: 1,
        useBias: false,
        depthwiseInitializer: tf.initializers.heNormal({ seed: this.seed(name) }),
      })
      .apply(x) as Sym;
  }

  batchnorm(x: Sym, name: string): Sym {
    return new FastBatchNormalization({ name, momentum: BN_MOMENTUM }).apply(x) as Sym;
  }

  act(x: Sym, name: string, fn: Activation): Sym {
    if (fn === 'softmax') this.logits = x;
    // A ReLU right after a batch norm runs inside it in training (see FastBatchNormalization).
    const source = x.sourceLayer;
    if (fn === 'relu' && source instanceof FastBatchNormalization) source.fuseRelu = true;
    return new FastActivation({ name, activation: fn }).apply(x) as Sym;
  }

  add(a: Sym, b: Sym, name: string): Sym {
    return tf.layers.add({ name }).apply([a, b]) as Sym;
  }

  globalAvgPool(x: Sym, name: string): Sym {
    return tf.layers.globalAveragePooling2d({ name }).apply(x) as Sym;
  }

  dense(x: Sym, name: string, units: number): Sym {
    return tf.layers
      .dense({ name, units, kernelInitializer: tf.initializers.glorotUniform({ seed: this.seed(name) }) })
      .apply(x) as Sym;
  }

  scale(x: Sym, s: Sym, name: string): Sym {
    const c = this.channels(x);
    const s4 = tf.layers.reshape({ name: `${name}_reshape`, targetShape: [1, 1, c] }).apply(s) as Sym;
    return tf.layers.multiply({ name }).apply([x, s4]) as Sym;
  }

  channels(x: Sym): number {
    const c = x.shape[x.shape.length - 1];
    if (typeof c !== 'number') throw new Error('channel dimension must be known');
    return c;
  }
}

export interface BuiltModel {
  /** Outputs class probabilities (softmax); what gets saved and served. */
  model: tf.LayersModel;
  /** Same weights, outputs logits: what the trainer differentiates (stable cross-entropy). */
  logitsModel: tf.LayersModel;
  summary: NetworkSummary;
}

/**
 * Builds the child as a tfjs model with seeded initializers. Throws InfeasibleArchError (from the
 * summary, before any tfjs work) when the arch does not fit the input.
 */
export function buildModel(
  arch: NetworkArch,
  inputShape: readonly [number, number, number],
  numClasses: number,
  seed: number,
): BuiltModel {
  const summary = summarizeNetwork(arch, inputShape, numClasses);
  const e = new TfEmitter(Rng.fromSeed(`init:${seed}`));
  const input = tf.input({ shape: [...inputShape], name: 'input' });
  const output = walkMobileCnn<Sym>(e, arch, input, numClasses);
  if (!e.logits) throw new Error('mobile-cnn walk produced no logits');
  const model = tf.model({ inputs: input, outputs: output, name: 'child' });
  const logitsModel = tf.model({ inputs: input, outputs: e.logits, name: 'child_logits' });
  return { model, logitsModel, summary };
}

/**
 * The model's two halves around the classifier, for dropout on the pooled features: a model of
 * the features (same weights) and the classifier layer. The caller disposes the features model.
 */
export function splitHead(model: tf.LayersModel): {
  featuresModel: tf.LayersModel;
  classifier: tf.layers.Layer;
} {
  const pooled = model.getLayer(HEAD_POOL).output as Sym;
  return {
    featuresModel: tf.model({ inputs: model.inputs, outputs: pooled, name: 'child_features' }),
    classifier: model.getLayer(HEAD_DENSE),
  };
}
