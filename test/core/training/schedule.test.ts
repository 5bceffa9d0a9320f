import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../../core/training/schedule.js';

const r = (o: Partial<Parameters<typeof learningRateAt>[3]> = {}) => ({
  schedule: 'constant' as const,
  warmupFraction: 0,
  milestones: [0.5, 0.75],
  gamma: 0.1,
  ...o,
});

describe('learningRateAt', () => {
  it('constant keeps the base rate', () => {
    for (const s of [0, 5, 99]) expect(learningRateAt(0.1, s, 100, r())).toBe(0.1);
  });

  it('warms up linearly from base/W to base over W steps', () => {
    const w = r({ warmupFraction: 0.1 });
    expect(learningRateAt(1, 0, 100, w)).toBeCloseTo(0.1);
    expect(learningRateAt(1, 4, 100, w)).toBeCloseTo(0.5);
    expect(learningRateAt(1, 9, 100, w)).toBeCloseTo(1);
    expect(learningRateAt(1, 10, 100, w)).toBe(1);
  });

  it('cosine anneals from base to 0 after warm-up, as CosineAnnealingLR', () => {
    const c = r({ schedule: 'cosine', warmupFraction: 0.1 });
    expect(learningRateAt(1, 10, 100, c)).toBeCloseTo(1);
    expect(learningRateAt(1, 55, 100, c)).toBeCloseTo(0.5);
    expect(learningRateAt(1, 99, 100, c)).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 89) / 90)));
  });

  it('step multiplies by gamma at each milestone, as MultiStepLR', () => {
    const st = r({ schedule: 'step' });
    expect(learningRateAt(1, 49, 100, st)).toBe(1);
    expect(learningRateAt(1, 50, 100, st)).toBeCloseTo(0.1);
    expect(learningRateAt(1, 75, 100, st)).toBeCloseTo(0.01);
  });
});
