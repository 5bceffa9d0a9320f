import { describe, expect, it } from 'vitest';
import type { TopKRecord } from '../../../core/engine/autohas.js';
import type { Evaluation } from '../../../core/engine/evaluation.js';
import { autohasVerdict } from '../../../core/engine/results.js';

const ev = (cid: string, valAccuracy: number, accuracy: number): Evaluation =>
  ({ cid, status: 'ok', cached: false, metrics: { valAccuracy, accuracy } }) as unknown as Evaluation;
const topK: TopKRecord = {
  step: 10,
  hpMode: 'sample',
  trainExamples: 1,
  evalExamples: 1,
  topK: [
    { rank: 1, cid: 'a', probability: 0.5, timesUniform: 2, hp: {} },
    { rank: 2, cid: 'b', probability: 0.3, timesUniform: 1.2, hp: {} },
  ],
  defaultHp: { cid: 'd', of: 'a', hp: { learningRate: 0.01, weightDecay: 1e-4 } },
};

describe('autohasVerdict', () => {
  it("compares AutoHAS's best retrained pick with the default-hp twin, and says when the defaults won", () => {
    const v = autohasVerdict(topK, 0.9, [ev('a', 0.8, 0.79), ev('b', 0.85, 0.84), ev('d', 0.9, 0.88)]);
    expect(v.comparison).toEqual({
      autohas: { cid: 'b', valAccuracy: 0.85, testAccuracy: 0.84 },
      defaultHp: { cid: 'd', valAccuracy: 0.9, testAccuracy: 0.88 },
    });
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toMatch(/default hyper-parameters did better .* use candidate d/);
    // The search's output is the better of the two by validation.
    expect(v.output).toEqual({ cid: 'd', valAccuracy: 0.9, testAccuracy: 0.88, source: 'defaultHp' });
  });

  it("outputs AutoHAS's pick when it validates at least as well as the defaults", () => {
    const v = autohasVerdict(topK, 0.9, [ev('a', 0.86, 0.8), ev('d', 0.86, 0.9)]);
    expect(v.output).toEqual({ cid: 'a', valAccuracy: 0.86, testAccuracy: 0.8, source: 'autohas' });
    expect(autohasVerdict(topK, 0.9, []).output).toBeUndefined();
  });

  it('warns in plain words when the supernet is far less trained than a child', () => {
    const v = autohasVerdict(topK, 0.3, [ev('a', 0.9, 0.9), ev('d', 0.8, 0.8)]);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toMatch(/rewards cannot be trusted/);
    expect(autohasVerdict(topK, 0.85, [ev('a', 0.9, 0.9), ev('d', 0.8, 0.8)]).warnings).toEqual([]);
  });
});
