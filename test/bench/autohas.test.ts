import { describe, expect, it } from 'vitest';
import { benchSpec, supernetSteps } from '../../bench/autohas.js';
import { SearchSpace } from '../../core/space/encoding.js';

describe('autohas bench', () => {
  it('the supernet gets about the given number of children in example passes', () => {
    // Warm-up: a weight batch a step. Full: weight batch + trial batch + the validation batch twice.
    expect(supernetSteps(10_240, 1, { batch: 64, valBatch: 64, lookahead: 1, warmupFraction: 0.5 })).toEqual({
      warmup: 80,
      steps: 100,
    });
    expect(supernetSteps(10_240, 2, { batch: 64, valBatch: 32, lookahead: 3, warmupFraction: 0 })).toEqual({
      warmup: 0,
      steps: 64,
    });
    expect(supernetSteps(10, 1, { batch: 64, valBatch: 64, lookahead: 1, warmupFraction: 0.5 }).steps).toBe(
      2,
    );
  });

  it('searches hyper-parameters that matter: lr over three decades, weight decay, label smoothing', () => {
    const space = new SearchSpace(benchSpec('fashion', 0, 64, 'accuracy'));
    const choices = (n: string) =>
      space.decisions[space.indexOf(`hyperparameters.${n}`)]!.choices as number[];
    const lr = choices('learningRate');
    expect(Math.max(...lr) / Math.min(...lr)).toBeGreaterThanOrEqual(100);
    expect(choices('weightDecay').length).toBeGreaterThan(1);
    expect(choices('labelSmoothing')).toEqual([0, 0.1]);
  });
});
