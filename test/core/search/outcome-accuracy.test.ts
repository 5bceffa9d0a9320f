import { describe, expect, it } from 'vitest';
import { accuracyFrom, accuracySource, outcomeOf, scoreOutcome } from '../../../core/search/outcome.js';
import { Objectives, RewardSpec } from '../../../core/spec/schema.js';

const trained = {
  status: 'ok' as const,
  valAccuracy: 0.9,
  testAccuracy: 0.88,
  quantized: { valAccuracy: 0.8, testAccuracy: 0.79 },
};
const simulated = { feasible: true, violations: [], metrics: { latencyMs: 0.01 } };

describe('which accuracy the reward uses', () => {
  it('is the quantized one by default on both (integer) templates, and the spec can choose fp32', () => {
    const dflt = Objectives.parse({});
    expect(accuracySource(dflt, 'systolic')).toBe('quantized');
    expect(accuracySource(dflt, 'pe-array')).toBe('quantized');
    const fp32 = Objectives.parse({ accuracy: { source: 'fp32' } });
    expect(accuracySource(fp32, 'systolic')).toBe('fp32');
    expect(accuracySource(Objectives.parse({ accuracy: { source: 'quantized' } }), 'pe-array')).toBe(
      'quantized',
    );
  });

  it('the outcome carries the chosen validation accuracy, so the reward follows the switch', () => {
    const o = Objectives.parse({ latencyMs: { target: 0.02 } });
    const rs = RewardSpec.parse({});
    const q = outcomeOf({ simulated, trained, accuracySource: 'quantized' });
    const f = outcomeOf({ simulated, trained, accuracySource: 'fp32' });
    expect(q).toMatchObject({ status: 'ok', metrics: { accuracy: 0.8, latencyMs: 0.01 } });
    expect(f).toMatchObject({ status: 'ok', metrics: { accuracy: 0.9 } });
    const rq = scoreOutcome(q, o, rs).reward!;
    const rf = scoreOutcome(f, o, rs).reward!;
    expect(rq / rf).toBeCloseTo(0.8 / 0.9, 12);
    expect(accuracyFrom(trained, 'quantized')).toEqual({ valAccuracy: 0.8, testAccuracy: 0.79 });
    expect(accuracyFrom(trained, 'fp32')).toEqual({ valAccuracy: 0.9, testAccuracy: 0.88 });
  });

  it('an accuracy limit applies to the chosen accuracy', () => {
    const o = Objectives.parse({ accuracy: { limit: 0.85 } });
    const rs = RewardSpec.parse({ floor: -1 });
    expect(scoreOutcome(outcomeOf({ simulated, trained, accuracySource: 'fp32' }), o, rs).feasible).toBe(
      true,
    );
    const q = scoreOutcome(outcomeOf({ simulated, trained, accuracySource: 'quantized' }), o, rs);
    expect(q.feasible).toBe(false);
    expect(q.reward).toBe(-1);
  });

  it('a child with no quantized accuracy fails under the quantized source, naming the setting', () => {
    const { quantized: _q, ...fp32Only } = trained;
    const o = outcomeOf({ simulated, trained: fp32Only, accuracySource: 'quantized' });
    expect(o.status).toBe('failed');
    expect(o.status === 'failed' && o.error).toMatch(/no quantized accuracy.*objectives\.accuracy\.source/);
    expect(outcomeOf({ simulated, trained: fp32Only, accuracySource: 'fp32' }).status).toBe('ok');
  });
});
