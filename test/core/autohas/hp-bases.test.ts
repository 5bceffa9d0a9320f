import { describe, expect, it } from 'vitest';
import { HpBasisError, hpBases, mixBasis, mixGradient, sampleBasis } from '../../../core/autohas/hp-bases.js';
import { Rng } from '../../../core/rng.js';
import { softmax } from '../../../core/search/policy.js';

describe('hpBases', () => {
  it('log-spaces a range and passes lists through', () => {
    expect(hpBases('learningRate', { min: 1e-4, max: 1e-1, bases: 4 }).values).toEqual([
      1e-4, 1e-3, 1e-2, 1e-1,
    ]);
    expect(hpBases('weightDecay', { min: 0, max: 1e-3, bases: 3, scale: 'linear' }).values).toEqual([
      0, 5e-4, 1e-3,
    ]);
    expect(hpBases('weightDecay', [0, 1e-4]).values).toEqual([0, 1e-4]);
  });

  it('rejects a basis count below 2, min >= max and a negative learning rate, naming the field', () => {
    expect(() => hpBases('learningRate', { min: 1e-3, max: 1e-1, bases: 1 })).toThrow(
      /hyperparameters.learningRate: bases must be a whole number >= 2/,
    );
    expect(() => hpBases('weightDecay', { min: 0.1, max: 0.1, bases: 3 })).toThrow(
      /min \(0.1\) must be below max/,
    );
    expect(() => hpBases('learningRate', { min: -1, max: 1, bases: 3, scale: 'linear' })).toThrow(
      /must not be negative/,
    );
    expect(() => hpBases('learningRate', [0.01, -0.1])).toThrow(HpBasisError);
    expect(() => hpBases('learningRate', [0])).toThrow(/learning rate must be > 0/);
  });
});

describe('sample and mix', () => {
  const b = hpBases('learningRate', [0.001, 0.01, 0.1]);

  it('mix is the softmax-weighted sum; uniform logits give the mean', () => {
    expect(mixBasis(b, [0, 0, 0])).toBeCloseTo(0.037, 12);
    expect(mixBasis(b, [0, 0, 50])).toBeCloseTo(0.1, 10);
    const p = softmax([1, 2, 3]);
    expect(mixBasis(b, [1, 2, 3])).toBeCloseTo(p[0]! * 0.001 + p[1]! * 0.01 + p[2]! * 0.1, 15);
  });

  it('mixGradient matches a finite difference', () => {
    const th = [0.3, -0.2, 0.5];
    const g = mixGradient(b, th);
    for (let i = 0; i < 3; i++) {
      const up = [...th];
      up[i]! += 1e-6;
      expect(g[i]!).toBeCloseTo((mixBasis(b, up) - mixBasis(b, th)) / 1e-6, 6);
    }
  });

  it('sample follows softmax(θ) and is reproducible from the seed', () => {
    const rng = Rng.fromSeed(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[sampleBasis(b, [0, Math.log(2), Math.log(7)], rng).index]!++;
    expect(counts[0]! / 3000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 3000).toBeCloseTo(0.7, 1);
    const a = sampleBasis(b, [0, 0, 0], Rng.fromSeed(5));
    expect(sampleBasis(b, [0, 0, 0], Rng.fromSeed(5))).toEqual(a);
    expect(() => sampleBasis(b, [0, 0], rng)).toThrow(/2 logits for 3 bases/);
  });
});
