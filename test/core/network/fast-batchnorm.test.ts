import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../core/network/build.js';
import { DEFAULT_ARCH } from '../../../core/network/defaults.js';
import { FastBatchNormalization } from '../../../core/network/fast-batchnorm.js';
import { Rng } from '../../../core/rng.js';
import { initBackend, type KernelPack, tf } from '../../../core/training/backend.js';
import { jsKernels, nativeKernels, wasmKernels } from '../../../core/training/kernels/index.js';
import { ChildOptimizer } from '../../../core/training/optimizer.js';
import { trainables, trainStep } from '../../../core/training/train.js';

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

  it('updates its moving statistics in place, except under a live copy', () => {
    const x = tf.randomNormal([4, 3, 3, 5], 1, 2, 'float32', 1);
    const fast = new FastBatchNormalization({ momentum: 0.9 });
    fast.build(x.shape);
    const mean = () => fast.getWeights()[2]!;
    const train = () => tf.dispose(fast.apply(x, { training: true }) as tf.Tensor);
    train(); // the initializer's tensor no longer shares the data
    const copy = tf.clone(mean());
    const held = Array.from(copy.dataSync());
    train();
    expect(Array.from(copy.dataSync())).toEqual(held);
    expect(Array.from(mean().dataSync())).not.toEqual(held);
    copy.dispose();
    const id = mean().dataId;
    const before = Array.from(mean().dataSync());
    train();
    expect(mean().dataId).toBe(id);
    expect(Array.from(mean().dataSync())).not.toEqual(before);
    x.dispose();
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

describe('batch norm + ReLU fused in training', () => {
  /** A child's losses and weights after 3 training steps, with the fusion on or off. */
  async function train(fuse: boolean) {
    const { logitsModel } = buildModel(DEFAULT_ARCH, [12, 12, 1], 10, 3);
    let fused = 0;
    for (const l of logitsModel.layers)
      if (l instanceof FastBatchNormalization) {
        fused += l.fuseRelu ? 1 : 0;
        l.fuseRelu &&= fuse;
      }
    const { vars, decayed } = trainables(logitsModel);
    const opt = new ChildOptimizer('adam', 1e-2, 1e-4, vars, decayed);
    const rng = Rng.fromSeed('bn-relu');
    const x = Float32Array.from({ length: 16 * 144 }, () => rng.normal());
    const y = Int32Array.from({ length: 16 }, () => rng.int(10));
    const losses: number[] = [];
    const prof = await tf.profile(() => {
      for (let i = 0; i < 3; i++) losses.push(trainStep(logitsModel, vars, opt, x, y, [12, 12, 1], 10));
    });
    const weights = vars.map((v) => Array.from(v.dataSync()));
    const relus = prof.kernels.filter((k) => k.name === 'Relu').length;
    opt.dispose();
    logitsModel.dispose();
    return { losses, weights, relus, fused };
  }

  const packs: [string, KernelPack][] = [
    ['js', jsKernels],
    ['wasm', wasmKernels],
    ['native', nativeKernels],
  ];
  for (const [name, pack] of packs)
    it(`trains a child to the same bits with fewer ReLU kernels (${name} pack)`, async () => {
      if (!(await pack.install(tf))) {
        expect(name).toBe('native');
        return;
      }
      try {
        const off = await train(false);
        const on = await train(true);
        expect(on.fused).toBeGreaterThan(0);
        expect(on.losses).toEqual(off.losses);
        expect(on.weights).toEqual(off.weights);
        expect(on.relus).toBe(off.relus - 3 * on.fused);
      } finally {
        pack.uninstall(tf);
      }
    });

  it('runs the stock layers without a pack and in inference', async () => {
    const off = await train(false);
    const on = await train(true);
    expect(on.weights).toEqual(off.weights);
    const { model } = buildModel(DEFAULT_ARCH, [12, 12, 1], 10, 3);
    const x = tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 9);
    const p = Array.from((model.predict(x) as tf.Tensor).dataSync());
    for (const l of model.layers) if (l instanceof FastBatchNormalization) l.fuseRelu = false;
    expect(Array.from((model.predict(x) as tf.Tensor).dataSync())).toEqual(p);
  });
});
