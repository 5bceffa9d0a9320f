import { describe, expect, it } from 'vitest';
import { benchSpec, type SeedRecord, summarize, supernetSteps } from '../../bench/autohas.js';
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
    // The sandwich rule: three weight batches a warm-up step, and in each full step.
    expect(
      supernetSteps(9_600, 1, { batch: 64, valBatch: 32, lookahead: 1, warmupFraction: 0.5, sandwich: true }),
    ).toEqual({ warmup: 25, steps: 25 + 15 });
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

describe('autohas bench summary', () => {
  const seed = (s: number, test: number, defaultHpTest: number, defaultHpVal: number): SeedRecord => ({
    seed: s,
    examples: 20_000,
    examplesWithTwin: 30_000,
    supernetExamples: 10_000,
    supernetValAccuracy: 0.5,
    val: test,
    test,
    defaultHpVal,
    defaultHpTest,
    output: defaultHpVal > test ? 'defaultHp' : 'pick',
    outputTest: defaultHpVal > test ? defaultHpTest : test,
    lrProbabilities: [0.5, 0.5],
    top: null,
  });
  const child = (acc: number) => ({ valAccuracy: acc, testAccuracy: acc, examples: 10_000 });

  it("reports the search's output (the better of pick and twin) under the issue's keys, the pick alone beside it", () => {
    const r = summarize(
      { childExamples: 10_000 },
      [seed(0, 0.8, 0.85, 0.85), seed(1, 0.9, 0.8, 0.8), seed(2, 0.7, 0.75, 0.75)],
      [child(0.5), child(0.6), child(0.85), child(0.95)],
    );
    // Outputs 0.85 (twin), 0.9 (pick), 0.75 (twin); picks 0.8, 0.9, 0.7.
    expect(r.autohas.testAccuracy.median).toBe(0.85);
    expect(r.autohas.trainingExamples.median).toBe(30_000);
    expect(r.autohas.outputIsPickSeeds).toBe(1);
    expect(r.autohas.atLeastDefaultHpSeeds).toBe(3);
    expect(r.autohasPick.testAccuracy.median).toBe(0.8);
    expect(r.autohasPick.trainingExamples.median).toBe(20_000);
    expect(r.autohasPick.atLeastDefaultHpSeeds).toBe(1);
    expect(r.defaultHp.testAccuracy.median).toBe(0.8);
    // Half the pool reaches 0.85 (and 0.8): two children's examples expected.
    expect(r.random.trainingExamplesToReachAutohasAccuracy.median).toBe(20_000);
    expect(r.computeRatioRandomOverAutohas).toBeCloseTo(2 / 3);
    expect(r.autohasPick.computeRatioRandomOverAutohas).toBe(1);
    // 30,000 examples (with the twin) buy 3 children; 20,000 (the pick alone) buy 2.
    expect(r.random.testAccuracyAtEqualCompute?.children).toBe(3);
    expect(r.autohasPick.random.testAccuracyAtEqualCompute?.children).toBe(2);
    expect(r.searchCostAtMostThreeChildren).toBe(true);
  });

  it("without the twin the output is the pick, at the pick's cost", () => {
    const noTwin: SeedRecord = {
      ...seed(0, 0.8, 0, 0),
      examplesWithTwin: 20_000,
      defaultHpVal: null,
      defaultHpTest: null,
      output: 'pick',
      outputTest: 0.8,
    };
    const r = summarize({ childExamples: 10_000 }, [noTwin], [child(0.9)]);
    expect(r.autohas.testAccuracy.median).toBe(0.8);
    expect(r.defaultHp.testAccuracy.median).toBeNull();
    expect(r.autohas.atLeastDefaultHpSeeds).toBe(0);
  });

  it('no pool child reaching AutoHAS gives no ratio; no seeds gives no medians', () => {
    const r = summarize({ childExamples: 10_000 }, [seed(0, 0.99, 0.5, 0.5)], [child(0.5)]);
    expect(r.computeRatioRandomOverAutohas).toBeNull();
    expect(r.random.note).toMatch(/above the pool/);
    const e = summarize({ childExamples: 10_000 }, [], [child(0.5)]);
    expect(e.autohas.testAccuracy.median).toBeNull();
    expect(e.searchCostAtMostThreeChildren).toBeNull();
  });
});
