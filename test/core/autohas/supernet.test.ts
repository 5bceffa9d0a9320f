import { beforeAll, describe, expect, it } from 'vitest';
import { Supernet, supernetWeightSpecs } from '../../../core/autohas/supernet.js';
import { Rng } from '../../../core/rng.js';
import { SearchSpace } from '../../../core/space/encoding.js';
import { initBackend, tf } from '../../../core/training/backend.js';
import { crossEntropy } from '../../../core/training/loss.js';
import { tinySpec } from './fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('supernet', () => {
  const spec = tinySpec();
  const net = spec.space.network;

  it('allocates each weight at its largest shape over the space', () => {
    const specs = new Map(supernetWeightSpecs(net, 1, 10).map((s) => [s.name, s.shape]));
    expect(specs.get('stem_conv/kernel')).toEqual([3, 3, 1, 8]);
    // mbconv expand: 1x1 from the largest block input (12) to 12·3.
    expect(specs.get('s2_b2_expand_conv/kernel')).toEqual([1, 1, 12, 36]);
    expect(specs.get('s1_b1_dw/kernel')).toEqual([5, 5, 24, 1]);
    // fused with expansion 1 convolves straight to filters (12 > 8·1).
    expect(specs.get('s1_b1_fused_conv/kernel')).toEqual([5, 5, 8, 24]);
    expect(specs.get('head_dense/kernel')).toEqual([12, 10]);
    expect(specs.has('s2_b1_se_reduce/kernel')).toBe(true);
  });

  it('runs and differentiates sampled sub-networks without re-allocating shared weights', () => {
    const sn = new Supernet(net, [8, 8, 1], 10, 3);
    const before = [...sn.vars];
    const shapes = before.map((v) => v.shape.join('x'));
    const space = new SearchSpace(spec);
    const rng = Rng.fromSeed(9);
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    let kinds = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const arch = space.sample(rng).network;
      kinds = new Set([...kinds, ...arch.stages.map((s) => s.block)]);
      const nTensors = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const { logits } = sn.forward(arch, x);
        expect(logits.shape).toEqual([4, 10]);
        return crossEntropy(logits, y, 10);
      }, sn.vars as tf.Variable[]);
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      // The stem and head are always used; a gradient reaches them.
      expect(grads[sn.weight('stem_conv/kernel').name]).toBeDefined();
      const g = grads[sn.weight('head_dense/kernel').name]!;
      expect(tf.tidy(() => tf.any(tf.notEqual(g, 0)).dataSync()[0])).toBe(1);
      value.dispose();
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(nTensors);
    }
    expect(kinds.size).toBeGreaterThan(1);
    expect(sn.vars.every((v, i) => v === before[i] && v.shape.join('x') === shapes[i])).toBe(true);
    x.dispose();
    y.dispose();
    sn.dispose();
  });

  it('is seeded: the same seed gives the same initial weights, another seed does not', () => {
    const a = new Supernet(net, [8, 8, 1], 10, 1);
    const b = new Supernet(net, [8, 8, 1], 10, 1);
    const c = new Supernet(net, [8, 8, 1], 10, 2);
    const k = (s: Supernet) => [...s.weight('s1_b1_dw/kernel').dataSync()];
    expect(k(a)).toEqual(k(b));
    expect(k(a)).not.toEqual(k(c));
    for (const s of [a, b, c]) s.dispose();
  });
});
