import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '../../../core/training/backend.js';
import { ChildOptimizer } from '../../../core/training/optimizer.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Three updates of two variables (one decayed) with fixed gradients; returns final weights and state. */
function run(kind: 'adam' | 'sgd', fused: boolean): number[][] {
  const a = tf.variable(tf.tensor([0.5, -1, 2, 0]));
  const b = tf.variable(
    tf.tensor([
      [1, 2],
      [3, -4],
    ]),
  );
  const opt = new ChildOptimizer(kind, 0.1, 0.01, [a, b], [true, false]);
  opt.fused = fused;
  const ga = tf.tensor([0.1, -0.2, 0.3, 0]);
  const gb = tf.tensor([
    [1, 0],
    [-1, 0.5],
  ]);
  for (let i = 0; i < 3; i++) opt.apply([ga, gb]);
  const state = opt.state();
  const out = [a, b, ...state].map((t) => Array.from(t.dataSync()));
  for (const t of [a, b, ga, gb, ...state]) t.dispose();
  opt.dispose();
  return out;
}

describe('ChildOptimizer', () => {
  for (const kind of ['adam', 'sgd'] as const)
    it(`${kind}: the fused cpu loop and the tensor-op path agree`, () => {
      const fused = run(kind, true);
      const ops = run(kind, false);
      expect(fused.length).toBe(kind === 'adam' ? 6 : 4);
      fused.forEach((arr, i) => {
        arr.forEach((v, j) => {
          expect(v).toBeCloseTo(ops[i]![j]!, 5);
        });
      });
      // The weights moved against the gradient, and decay only touched the decayed variable.
      expect(fused[0]![0]!).toBeLessThan(0.5);
      expect(fused[0]![3]!).toBe(0);
    });

  for (const kind of ['adam', 'sgd'] as const)
    it(`${kind}: updates a variable's own array in place, but never one a clone still shares`, () => {
      const a = tf.variable(tf.tensor([0.5, -1, 2, 0]));
      const b = tf.variable(tf.tensor([1, 2]));
      const opt = new ChildOptimizer(kind, 0.1, 0, [a, b], [true, true]);
      const g = [tf.tensor([0.1, -0.2, 0.3, 0.4]), tf.tensor([1, -1])];
      opt.apply(g);
      const own = a.dataSync();
      const moved = Array.from(own);
      const held = tf.clone(b); // shares b's data until b is updated
      const before = Array.from(held.dataSync());
      opt.apply(g);
      // a: the same array, new values; b: a new array, and the clone keeps the old values.
      expect(a.dataSync()).toBe(own);
      expect(Array.from(own)).not.toEqual(moved);
      expect(Array.from(held.dataSync())).toEqual(before);
      expect(Array.from(b.dataSync())).not.toEqual(before);
      // Both routes give the values of the tensor-op path.
      const a2 = tf.variable(tf.tensor([0.5, -1, 2, 0]));
      const b2 = tf.variable(tf.tensor([1, 2]));
      const ops = new ChildOptimizer(kind, 0.1, 0, [a2, b2], [true, true]);
      ops.fused = false;
      ops.apply(g);
      ops.apply(g);
      Array.from(a.dataSync()).forEach((v, j) => {
        expect(v).toBeCloseTo(a2.dataSync()[j]!, 6);
      });
      Array.from(b.dataSync()).forEach((v, j) => {
        expect(v).toBeCloseTo(b2.dataSync()[j]!, 6);
      });
      for (const t of [a, b, a2, b2, held, ...g]) t.dispose();
      opt.dispose();
      ops.dispose();
    });

  it("reads gradients from the backend's store, so the kernel packs can recycle their arrays", () => {
    const a = tf.variable(tf.tensor([0.5, -1, 2, 0]));
    const opt = new ChildOptimizer('adam', 0.1, 0, [a], [true]);
    const g = tf.tensor([0.1, -0.2, 0.3, 0.4]);
    const be = tf.backend() as unknown as { readSync(id: object): unknown };
    const aData = a.dataId;
    const read = vi.spyOn(be, 'readSync');
    opt.apply([g]);
    const ids = read.mock.calls.map((c) => c[0]);
    read.mockRestore();
    // dataSync hands an array out (readSync): the weights and slots are read that way, never g.
    expect(ids).toContain(aData);
    expect(ids).not.toContain(g.dataId);
    expect(Array.from(a.dataSync())[0]).toBeLessThan(0.5);
    for (const t of [a, g]) t.dispose();
    opt.dispose();
  });
});
