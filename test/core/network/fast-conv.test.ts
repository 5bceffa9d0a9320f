import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastConv2D, FastDepthwiseConv2D } from '../../../core/network/fast-conv.js';
import { initBackend, type KernelPack, tf } from '../../../core/training/backend.js';
import { CONV_BIAS_ACT, DEPTHWISE_BIAS_ACT } from '../../../core/training/kernels/fused-conv.js';
import { jsKernels, nativeKernels, wasmKernels } from '../../../core/training/kernels/index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const args = (strides: number) =>
  ({
    filters: 6,
    kernelSize: 3,
    strides,
    padding: 'same',
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed: 7 }),
  }) as const;

/** Output and kernel gradient of a training pass with the image as input, and the kernels run. */
async function pass(layer: ReturnType<typeof tf.layers.conv2d>, x: tf.Tensor, dy: tf.Tensor) {
  layer.apply(x); // builds the kernel, from the same seeded initializer for both layers
  let out: Float32Array | undefined;
  let grad: Float32Array | undefined;
  const prof = await tf.profile(() => {
    const w = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      out = y.dataSync() as Float32Array;
      return tf.sum(tf.mul(y, dy)) as tf.Scalar;
    }, w);
    grad = grads[w[0]!.name]!.dataSync() as Float32Array;
  });
  return { out: out!, grad: grad!, kernels: prof.kernels.map((k) => k.name) };
}

describe('FastConv2D', () => {
  for (const strides of [1, 2]) {
    it(`gives the stock layer's bits in training (stride ${strides}), without the input's gradient`, async () => {
      const x = tf.randomNormal([3, 7, 7, 2], 0, 1, 'float32', 1);
      const dy = tf.randomNormal(strides === 1 ? [3, 7, 7, 6] : [3, 4, 4, 6], 0, 1, 'float32', 2);
      const stock = tf.layers.conv2d(args(strides));
      const fast = new FastConv2D(args(strides));
      const a = await pass(stock, x, dy);
      const b = await pass(fast, x, dy);
      expect(Array.from(b.out)).toEqual(Array.from(a.out));
      expect(Array.from(b.grad)).toEqual(Array.from(a.grad));
      // The fused op's gradient computes the image's gradient too; nothing reads it.
      expect(a.kernels).toContain('Conv2DBackpropInput');
      expect(b.kernels).not.toContain('Conv2DBackpropInput');
      // Inference is the stock path.
      const inf = (l: typeof stock) => Array.from((l.apply(x, { training: false }) as tf.Tensor).dataSync());
      expect(inf(fast)).toEqual(inf(stock));
    });
  }

  it('computes the input gradient where a later layer needs it', () => {
    const x = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 3);
    const first = new FastConv2D({ ...args(1), kernelInitializer: tf.initializers.heNormal({ seed: 1 }) });
    const second = new FastConv2D(args(1));
    const stock1 = tf.layers.conv2d({ ...args(1), kernelInitializer: tf.initializers.heNormal({ seed: 1 }) });
    const stock2 = tf.layers.conv2d(args(1));
    const g = (l1: typeof stock1, l2: typeof stock1) => {
      l2.apply(l1.apply(x));
      const w = l1.trainableWeights[0]!.read() as tf.Variable;
      const { grads } = tf.variableGrads(
        () =>
          tf.sum(
            tf.square(l2.apply(l1.apply(x, { training: true }), { training: true }) as tf.Tensor),
          ) as tf.Scalar,
        [w],
      );
      return Array.from(grads[w.name]!.dataSync());
    };
    expect(g(first, second)).toEqual(g(stock1, stock2));
  });

  it('gives the same bits with the native kernel pack installed, where it loads', async () => {
    if (!(await nativeKernels.install(tf))) return;
    try {
      const x = tf.randomNormal([2, 9, 9, 1], 0, 1, 'float32', 4);
      const dy = tf.randomNormal([2, 5, 5, 6], 0, 1, 'float32', 5);
      const a = await pass(tf.layers.conv2d(args(2)), x, dy);
      const b = await pass(new FastConv2D(args(2)), x, dy);
      expect(Array.from(b.out)).toEqual(Array.from(a.out));
      expect(Array.from(b.grad)).toEqual(Array.from(a.grad));
    } finally {
      nativeKernels.uninstall(tf);
    }
  });

  it('serializes as the stock Conv2D', () => {
    expect(new FastConv2D(args(1)).getClassName()).toBe('Conv2D');
  });
});

/**
 * conv3×3 (bias, ReLU) → depthwise 3×3 s2 (bias, ReLU) → conv1×1 (bias, linear) → depthwise
 * (ReLU, no bias), from the trainer's layers or the stock ones, with the same seeded weights.
 */
function biasActModel(fast: boolean) {
  const conv = (a: Parameters<typeof tf.layers.conv2d>[0]) =>
    fast ? new FastConv2D(a) : tf.layers.conv2d(a);
  const dw = (a: Parameters<typeof tf.layers.depthwiseConv2d>[0]) =>
    fast ? new FastDepthwiseConv2D(a) : tf.layers.depthwiseConv2d(a);
  const init = (seed: number) => ({
    kernelInitializer: tf.initializers.heNormal({ seed }),
    biasInitializer: tf.initializers.randomNormal({ seed: seed + 100, stddev: 0.3 }),
  });
  const input = tf.input({ shape: [9, 9, 2] });
  let x = conv({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', ...init(1) }).apply(input);
  x = dw({
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    activation: 'relu',
    depthwiseInitializer: tf.initializers.heNormal({ seed: 2 }),
    biasInitializer: tf.initializers.randomNormal({ seed: 102, stddev: 0.3 }),
  }).apply(x);
  x = conv({ filters: 9, kernelSize: 1, ...init(3) }).apply(x);
  x = dw({
    kernelSize: 3,
    padding: 'valid',
    activation: 'relu',
    useBias: false,
    depthwiseInitializer: tf.initializers.heNormal({ seed: 4 }),
  }).apply(x);
  return tf.model({ inputs: input, outputs: x as tf.SymbolicTensor });
}

/** A training pass: the output, every weight's gradient, and the kernels that ran. */
async function modelPass(model: tf.LayersModel, x: tf.Tensor) {
  let out: number[] = [];
  let grads: number[][] = [];
  const prof = await tf.profile(() => {
    const w = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const r = tf.variableGrads(() => {
      const y = model.apply(x, { training: true }) as tf.Tensor;
      out = Array.from(y.dataSync());
      return tf.sum(tf.mul(y, tf.linspace(-1, 1, y.size).reshape(y.shape))) as tf.Scalar;
    }, w);
    grads = w.map((v) => Array.from(r.grads[v.name]!.dataSync()));
  });
  return { out, grads, kernels: prof.kernels.map((k) => k.name) };
}

describe('conv + bias + ReLU as one training op', () => {
  const packs: [string, KernelPack][] = [
    ['js', jsKernels],
    ['wasm', wasmKernels],
    ['native', nativeKernels],
  ];
  for (const [name, pack] of packs)
    it(`gives the stock layers' bits with the ${name} pack, in one kernel per layer`, async () => {
      if (!(await pack.install(tf))) {
        expect(name).toBe('native'); // only the native pack may be missing (no g++)
        return;
      }
      try {
        const x = tf.randomNormal([3, 9, 9, 2], 0, 1, 'float32', 11);
        const stock = await modelPass(biasActModel(false), x);
        const fast = await modelPass(biasActModel(true), x);
        expect(fast.out).toEqual(stock.out);
        expect(fast.grads).toEqual(stock.grads);
        expect(fast.out.some((v) => v === 0) && fast.out.some((v) => v > 0)).toBe(true);
        const count = (ks: string[], k: string) => ks.filter((n) => n === k).length;
        expect(count(fast.kernels, CONV_BIAS_ACT)).toBe(2);
        expect(count(fast.kernels, DEPTHWISE_BIAS_ACT)).toBe(2);
        expect(fast.kernels).not.toContain('Relu');
        expect(stock.kernels).toContain('Relu');
        // Gradients of the same inputs only: none for the image, one per later layer.
        for (const k of ['Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropInput'])
          expect(count(fast.kernels, k)).toBe(count(stock.kernels, k));
        // Inference takes the stock path.
        const model = biasActModel(true);
        const inf = Array.from((model.predict(x) as tf.Tensor).dataSync());
        expect(inf).toEqual(Array.from((biasActModel(false).predict(x) as tf.Tensor).dataSync()));
      } finally {
        pack.uninstall(tf);
      }
    });

  it('leaves the stock path when no pack is installed', async () => {
    const x = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 12);
    const fast = await modelPass(biasActModel(true), x);
    expect(fast.kernels).not.toContain(CONV_BIAS_ACT);
    expect(fast.grads).toEqual((await modelPass(biasActModel(false), x)).grads);
  });
});

afterAll(() => {
  nativeKernels.uninstall(tf);
});
