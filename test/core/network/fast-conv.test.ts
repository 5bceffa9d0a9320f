import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastConv2D } from '../../../core/network/fast-conv.js';
import { initBackend, tf } from '../../../core/training/backend.js';
import { nativeKernels } from '../../../core/training/kernels/index.js';

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

afterAll(() => {
  nativeKernels.uninstall(tf);
});
