import { describe, expect, it } from 'vitest';
import { objectiveVector, observationFor, scoreOutcome } from '../../../core/search/outcome.js';
import { checkAllLimits, checkHardLimits, computeReward } from '../../../core/search/reward.js';
import { Objectives, RewardSpec } from '../../../core/spec/schema.js';

// latencyMs defaults to {} here so only what a test names is in the reward (the example spec has a target).
const objectives = (o: Record<string, unknown>) => Objectives.parse({ latencyMs: {}, ...o });
const mnas = RewardSpec.parse({});
const relu = RewardSpec.parse({ form: 'relu-penalty' });

describe('computeReward (mnasnet)', () => {
  it('is accuracy alone when no objective has a target', () => {
    const r = computeReward({ accuracy: 0.8, latencyMs: 5, areaMM2: 3 }, objectives({}), mnas);
    expect(r.reward).toBe(0.8);
    expect(r.feasible).toBe(true);
    expect(r.terms).toEqual({ accuracy: 0.8, formula: 0.8 });
    expect(r.metrics).toEqual({ accuracy: 0.8, latencyMs: 5, areaMM2: 3 });
  });

  it('soft target: acc * (m/T)^-w on both sides', () => {
    const o = objectives({ latencyMs: { target: 10, weight: 0.07 } });
    const over = computeReward({ accuracy: 0.9, latencyMs: 20 }, o, mnas);
    expect(over.reward).toBeCloseTo(0.9 * 2 ** -0.07, 12);
    const under = computeReward({ accuracy: 0.9, latencyMs: 5 }, o, mnas);
    expect(under.reward).toBeCloseTo(0.9 * 0.5 ** -0.07, 12);
    expect(under.reward).toBeGreaterThan(0.9);
    expect(over.terms.latencyMs).toBeCloseTo(2 ** -0.07, 12);
  });

  it('hard target: flat under the target, (m/T)^-1 over it', () => {
    const o = objectives({ latencyMs: { target: 10, mode: 'hard' } });
    expect(computeReward({ accuracy: 0.9, latencyMs: 5 }, o, mnas).reward).toBe(0.9);
    expect(computeReward({ accuracy: 0.9, latencyMs: 10 }, o, mnas).reward).toBe(0.9);
    expect(computeReward({ accuracy: 0.9, latencyMs: 30 }, o, mnas).reward).toBeCloseTo(0.3, 12);
  });

  it('multiplies several objectives', () => {
    const o = objectives({ latencyMs: { target: 10, weight: 0.1 }, energyMJ: { target: 2, weight: 0.2 } });
    const r = computeReward({ accuracy: 0.5, latencyMs: 20, energyMJ: 1 }, o, mnas);
    expect(r.reward).toBeCloseTo(0.5 * 2 ** -0.1 * 0.5 ** -0.2, 12);
  });

  it('infeasible (limit violated) gets the floor and lists violations; formula kept in terms', () => {
    const o = objectives({ areaMM2: { limit: 10 }, accuracy: { limit: 0.5 } });
    const r = computeReward({ accuracy: 0.4, areaMM2: 12 }, o, RewardSpec.parse({ floor: -1 }));
    expect(r.feasible).toBe(false);
    expect(r.reward).toBe(-1);
    expect(r.terms.formula).toBe(0.4);
    expect(r.violations).toEqual(['areaMM2 12 > limit 10', 'accuracy 0.4 < limit 0.5']);
  });

  it('rejects a missing metric that has a target, and non-finite metrics', () => {
    const o = objectives({ latencyMs: { target: 10 } });
    expect(() => computeReward({ accuracy: 0.5 }, o, mnas)).toThrow(/latencyMs.*missing/);
    expect(() => computeReward({ accuracy: Number.NaN }, objectives({}), mnas)).toThrow(/accuracy/);
  });
});

describe('computeReward (relu-penalty)', () => {
  it('acc - sum lambda * max(0, m/T - 1)', () => {
    const o = objectives({ latencyMs: { target: 10, penalty: 0.5 }, areaMM2: { target: 4, penalty: 2 } });
    const r = computeReward({ accuracy: 0.9, latencyMs: 15, areaMM2: 3 }, o, relu);
    expect(r.reward).toBeCloseTo(0.9 - 0.5 * 0.5, 12);
    expect(r.terms.areaMM2).toBe(0);
    expect(r.terms.latencyMs).toBeCloseTo(0.25, 12);
  });
});

describe('checkHardLimits', () => {
  it('rejects before training on area/latency/energy limits only', () => {
    const o = objectives({ areaMM2: { limit: 10 }, latencyMs: { limit: 3 }, accuracy: { limit: 0.9 } });
    expect(checkHardLimits({ areaMM2: 9, latencyMs: 2 }, o)).toEqual({ feasible: true, violations: [] });
    const bad = checkHardLimits({ areaMM2: 11, latencyMs: 2 }, o);
    expect(bad.feasible).toBe(false);
    expect(bad.violations).toEqual(['areaMM2 11 > limit 10']);
    expect(() => checkHardLimits({ latencyMs: 2 }, o)).toThrow(/areaMM2/);
    expect(checkAllLimits({ accuracy: 0.8, areaMM2: 1, latencyMs: 1 }, o).feasible).toBe(false);
  });
});

describe('scoreOutcome / observationFor', () => {
  const o = objectives({ latencyMs: { target: 10 }, areaMM2: { limit: 5 } });
  const rs = RewardSpec.parse({ floor: -0.5 });
  it('trained -> formula; infeasible -> floor; failed -> null', () => {
    const ok = scoreOutcome({ status: 'ok', metrics: { accuracy: 0.9, latencyMs: 10, areaMM2: 1 } }, o, rs);
    expect(ok.reward).toBeCloseTo(0.9, 12);
    expect(ok.feasible).toBe(true);
    const inf = scoreOutcome(
      { status: 'infeasible', metrics: { latencyMs: 1, areaMM2: 9 }, violations: ['areaMM2 9 > limit 5'] },
      o,
      rs,
    );
    expect([inf.reward, inf.feasible, inf.metrics.areaMM2]).toEqual([-0.5, false, 9]);
    const failed = scoreOutcome({ status: 'failed', error: 'boom' }, o, rs);
    expect([failed.reward, failed.error]).toEqual([null, 'boom']);
    const { observation } = observationFor(
      { proposalId: '3.1', tokens: [1, 2] },
      { status: 'failed', error: 'x' },
      o,
      rs,
    );
    expect(observation).toEqual({ tokens: [1, 2], reward: null, proposalId: '3.1', objectives: null });
    // Trained and feasible: accuracy, then -ln latency (the one cost objective with a target).
    expect(ok.objectives).toEqual([0.9, -Math.log(10)]);
    expect([inf.objectives, failed.objectives]).toEqual([null, null]);
  });

  it('objectiveVector: targets are axes, limits are constraints, missing metrics are errors', () => {
    expect(objectiveVector({ accuracy: 0.8, latencyMs: 2, areaMM2: 1, energyMJ: 3 }, o)).toEqual([
      0.8,
      -Math.log(2),
    ]);
    // Over the area limit: infeasible, whatever the other metrics.
    expect(objectiveVector({ accuracy: 0.99, latencyMs: 1, areaMM2: 6 }, o)).toBeNull();
    expect(objectiveVector({ accuracy: 0.7, latencyMs: 0, areaMM2: 1 }, o)?.every(Number.isFinite)).toBe(
      true,
    );
    expect(() => objectiveVector({ accuracy: 0.7, areaMM2: 1 }, o)).toThrow(/latencyMs/);
    const both = objectives({ latencyMs: { target: 10 }, energyMJ: { target: 1 } });
    expect(objectiveVector({ accuracy: 0.5, latencyMs: 1, energyMJ: Math.E }, both)).toEqual([0.5, -0, -1]);
  });
});
