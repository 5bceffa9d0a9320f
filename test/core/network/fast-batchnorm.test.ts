import { beforeAll, describe, expect, it } from 'vitest';
import { FastBatchNormalization } from '../../../core/network/fast-batchnorm.js';
import { initBackend, tf } from '../../../core/training/backend.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** One training-mode pass: output, gradients for x, gamma, beta, then the moving statistics. */
function pass(
  layer: ReturnType<typeof tf.layers.batchNormalization>,
  x: tf.Tensor,
  dy: tf.Tensor,
): number[][] {
  const w = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const out: number[][] = [];
  const { grads } = tf.variableGrads(() => {
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    out.push(Array.from(y.dataSync()));
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, w);
  const gx = tf.grad((xx) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, dy)))(x);
  out.push(Array.from(gx.dataSync()));
  for (const v of w) out.push(Array.from(grads[v.name]!.dataSync()));
  for (const v of layer.getWeights().slice(2)) out.push(Array.from(v.dataSync()));
  return out;
}

describe('FastBatchNormalization', () => {
  it('matches the stock layer in training: output, all gradients and moving statistics', () => {
    const x = tf.randomNormal([4, 3, 3, 5], 1, 2, 'float32', 1);
    const dy = tf.randomNormal([4, 3, 3, 5], 0, 1, 'float32', 2);
    const stock = tf.layers.batchNormalization({ momentum: 0.9 });
    const fast = new FastBatchNormalization({ momentum: 0.9 });
    stock.build(x.shape);
    fast.build(x.shape);
    const gamma = tf.randomNormal([5], 1, 0.2, 'float32', 3);
    const beta = tf.randomNormal([5], 0, 0.2, 'float32', 4);
    const init = [gamma, beta, tf.zeros([5]), tf.ones([5])];
    stock.setWeights(init);
    fast.setWeights(init);
    const a = pass(stock, x, dy);
    const b = pass(fast, x, dy);
    expect(b.length).toBe(a.length);
    a.forEach((arr, i) => {
      arr.forEach((v, j) => {
        expect(b[i]![j]!).toBeCloseTo(v, 4);
      });
    });
    // Inference uses the moving statistics like the stock layer.
    const inf = (l: typeof stock) => Array.from((l.apply(x, { training: false }) as tf.Tensor).dataSync());
    inf(stock).forEach((v, j) => {
      expect(inf(fast)[j]!).toBeCloseTo(v, 4);
    });
  });

  it('really takes the fused path in training on cpu (no moments ops)', async () => {
    const x = tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 5);
    const fast = new FastBatchNormalization({});
    const stock = tf.layers.batchNormalization({});
    const kernels = async (l: typeof stock) =>
      (await tf.profile(() => l.apply(x, { training: true }) as tf.Tensor)).kernels.map((k) => k.name);
    expect(await kernels(stock)).toContain('Mean');
    expect(await kernels(fast)).not.toContain('Mean');
  });

  it('serializes as the stock BatchNormalization', () => {
    expect(new FastBatchNormalization({}).getClassName()).toBe('BatchNormalization');
  });
});
