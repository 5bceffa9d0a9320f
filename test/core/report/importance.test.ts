// The variance-based decision importance (ε²) and the controller's normalized entropy.
import { describe, expect, it } from 'vitest';
import { meanNormalizedEntropy } from '../../../core/report/entropy.js';
import { decisionImportance } from '../../../core/report/importance.js';
import { Rng } from '../../../core/rng.js';

describe('decisionImportance', () => {
  it('ranks the decision the reward depends on first, and gives noise about nothing', () => {
    const rng = Rng.fromSeed('importance');
    const trials = Array.from({ length: 200 }, () => {
      const kernel = [3, 5, 7][rng.int(3)]!;
      const noise = ['a', 'b', 'c', 'd'][rng.int(4)]!;
      return { params: { kernel, noise }, reward: 0.1 * kernel + 0.05 * rng.normal() };
    });
    const [first, second] = decisionImportance(trials);
    expect(first).toMatchObject({ name: 'kernel', values: 3 });
    expect(first!.importance).toBeGreaterThan(0.9);
    expect(second!.name).toBe('noise');
    expect(second!.importance).toBeLessThan(0.03);
  });

  it('is ε², not η²: on pure noise a many-valued decision is not favoured', () => {
    const rng = Rng.fromSeed('noise');
    const trials = Array.from({ length: 60 }, (_, i) => ({
      params: { many: i % 20, two: i % 2 },
      reward: rng.normal(),
    }));
    for (const i of decisionImportance(trials)) expect(i.importance).toBeLessThan(0.15);
  });

  it('needs spread: constant rewards, one value, or too few trials give nothing', () => {
    expect(
      decisionImportance([
        { params: { a: 1 }, reward: 1 },
        { params: { a: 2 }, reward: 1 },
        { params: { a: 1 }, reward: 1 },
      ]),
    ).toEqual([]);
    expect(
      decisionImportance([
        { params: { a: 1 }, reward: 1 },
        { params: { a: 2 }, reward: 2 },
      ]),
    ).toEqual([]);
    expect(
      decisionImportance(Array.from({ length: 5 }, (_, i) => ({ params: { a: 1 }, reward: i }))),
    ).toEqual([]);
  });
});

describe('meanNormalizedEntropy', () => {
  it('is 1 for uniform logits, near 0 for decided ones, and ignores one-choice decisions', () => {
    expect(meanNormalizedEntropy([[0, 0], [1, 1, 1], [5]])).toBeCloseTo(1, 12);
    expect(meanNormalizedEntropy([[40, 0, 0]])).toBeLessThan(1e-12);
    expect(meanNormalizedEntropy([[3]])).toBeNull();
  });
});
