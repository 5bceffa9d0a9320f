import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type KernelPack, tf } from '../../../core/training/backend.js';
import { jsKernels, nativeKernels, wasmKernels } from '../../../core/training/kernels/index.js';
import { SOFTMAX_XENT } from '../../../core/training/kernels/softmax-xent.js';
import { crossEntropy } from '../../../core/training/loss.js';

beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(() => {
  for (const p of [jsKernels, wasmKernels, nativeKernels]) p.uninstall(tf);
});

/** Loss and logits gradient, from crossEntropy or from tfjs's composite, and the kernels run. */
async function lossAndGrad(logits: tf.Tensor2D, labels: tf.Tensor1D, ls: number, stock: boolean) {
  let loss = 0;
  let grad: number[] = [];
  const v = tf.variable(logits);
  const prof = await tf.profile(() => {
    const f = (l: tf.Tensor) =>
      stock
        ? (tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), l, undefined, ls) as tf.Scalar)
        : crossEntropy(l, labels, 10, ls);
    const { value, grads } = tf.variableGrads(() => f(v), [v]);
    loss = value.dataSync()[0]!;
    grad = Array.from(grads[v.name]!.dataSync());
  });
  v.dispose();
  return { loss, grad, kernels: prof.kernels.map((k) => k.name) };
}

describe('crossEntropy', () => {
  // Logits of every scale (a row of huge ones), labels including one out of range (a zero row).
  const logits = tf.tidy(() =>
    tf.concat([
      tf.randomNormal([37, 10], 0, 3, 'float32', 5),
      tf.fill([1, 10], 80),
      tf.randomNormal([2, 10], 0, 40, 'float32', 6),
    ]),
  ) as tf.Tensor2D;
  const labels = tf.tensor1d([...Array.from({ length: 39 }, (_, i) => (i * 7) % 10), 10], 'int32');
  const packs: [string, KernelPack][] = [
    ['js', jsKernels],
    ['wasm', wasmKernels],
    ['native', nativeKernels],
  ];
  for (const [name, pack] of packs)
    for (const ls of [0, 0.1, 0.37])
      it(`is tfjs's loss and gradient bit for bit in one kernel each way (${name} pack, smoothing ${ls})`, async () => {
        if (!(await pack.install(tf))) {
          expect(name).toBe('native');
          return;
        }
        try {
          const stock = await lossAndGrad(logits, labels, ls, true);
          const fused = await lossAndGrad(logits, labels, ls, false);
          expect(Object.is(fused.loss, stock.loss)).toBe(true);
          expect(fused.grad).toEqual(stock.grad);
          expect(fused.kernels).toContain(SOFTMAX_XENT);
          expect(fused.kernels.length).toBeLessThan(stock.kernels.length / 4);
        } finally {
          pack.uninstall(tf);
        }
      });

  it("is tfjs's composite without a pack, and refuses logits of another class count", async () => {
    const r = await lossAndGrad(logits, labels, 0.1, false);
    expect(r.kernels).not.toContain(SOFTMAX_XENT);
    expect(r.loss).toBe((await lossAndGrad(logits, labels, 0.1, true)).loss);
    expect(() => crossEntropy(logits, labels, 9)).toThrow(/for 9 classes/);
  });
});
