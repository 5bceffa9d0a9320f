import { beforeAll, describe, expect, it } from 'vitest';
import { SharedOptimizer } from '../../../core/autohas/optimizer.js';
import { initBackend, tf } from '../../../core/training/backend.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const values = (ts: readonly tf.Tensor[]) => ts.map((t) => [...t.dataSync()]);

describe('SharedOptimizer.preview', () => {
  for (const kind of ['adam', 'sgd'] as const)
    it(`${kind}: gives exactly what apply then sets, and changes nothing itself`, () => {
      const vars = [tf.variable(tf.tensor([0.5, -1, 2])), tf.variable(tf.tensor([0.1, 0.2]))];
      const opt = new SharedOptimizer(kind, vars, [true, false]);
      const g1 = [tf.tensor([0.3, -0.2, 0.1]), tf.tensor([1, -1])];
      const g2 = [tf.tensor([-0.1, 0.4, 0.2]), tf.tensor([0.5, 0.25])];
      // A first real step, so the slots and step counts are not at their initial values.
      opt.apply([0, 1], g1, 0.01, 0.1);
      const before = { w: values(vars), s: values(opt.slots), t: [...opt.steps] };
      const preview = opt.preview([0, 1], g2, 0.05, 0.1);
      expect({ w: values(vars), s: values(opt.slots), t: [...opt.steps] }).toEqual(before);
      opt.apply([0, 1], g2, 0.05, 0.1);
      expect(values(preview)).toEqual(values(vars));
      // A different learning rate previews different weights (the comparison can fail).
      const other = opt.preview([0, 1], g2, 0.5, 0.1);
      expect(values(other)).not.toEqual(values(preview));
      tf.dispose([...vars, ...g1, ...g2, ...preview, ...other]);
      opt.dispose();
    });

  it('adam: a large learning rate moves every touched weight by about lr (not lr·g as plain SGD)', () => {
    const vars = [tf.variable(tf.tensor([0, 0]))];
    const opt = new SharedOptimizer('adam', vars, [false]);
    const g = [tf.tensor([1e-3, -1e-3])];
    const [w] = opt.preview([0], g, 0.1, 0);
    expect([...w!.dataSync()].map((x) => Number(x.toFixed(4)))).toEqual([-0.1, 0.1]);
    tf.dispose([...vars, ...g, w!]);
    opt.dispose();
  });

  it('is differentiable in the learning rate and weight decay (mix mode)', () => {
    const vars = [tf.variable(tf.tensor([1, 2]))];
    const opt = new SharedOptimizer('sgd', vars, [true]);
    const g = [tf.tensor([0.5, -0.5])];
    // w' = w − lr·(g + wd·w): d(sum w')/dlr = −sum(g + wd·w), d(sum w')/dwd = −lr·sum(w).
    const [dLr, dWd] = tf.grads((lr: tf.Tensor, wd: tf.Tensor) =>
      tf.sum(opt.preview([0], g, lr as tf.Scalar, wd as tf.Scalar)[0]!),
    )([tf.scalar(0.1), tf.scalar(0.01)]);
    expect(dLr!.dataSync()[0]).toBeCloseTo(-(0 + 0.01 * 3), 6);
    expect(dWd!.dataSync()[0]).toBeCloseTo(-0.1 * 3, 6);
    tf.dispose([...vars, ...g, dLr!, dWd!]);
    opt.dispose();
  });
});
