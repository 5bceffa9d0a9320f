import { describe, expect, it } from 'vitest';
import {
  childTrainSeconds,
  costSoFar,
  DEFAULT_COST_BACKEND,
  estimateCost,
  PRICES,
  STEP_PROFILE,
  TRAINING_THROUGHPUT,
  WORK_PROFILE,
} from '../../../core/cost/model.js';
import { SearchSpec, type SearchSpecInput } from '../../../core/spec/schema.js';
import { DEFAULT_TRAINER_PACKAGING, TRAINER_BACKEND } from '../../../core/training/backends.js';

const spec = (o: Partial<SearchSpecInput> = {}) => SearchSpec.parse(o);

describe('childTrainSeconds', () => {
  it('is overhead plus 3x forward MACs per example over the backend throughput', () => {
    expect(childTrainSeconds(1e6, 1000, 'cpu')).toBeCloseTo(
      TRAINING_THROUGHPUT.cpu.overheadSeconds + (3 * 1e6 * 1000) / TRAINING_THROUGHPUT.cpu.macsPerSecond,
    );
    expect(childTrainSeconds(1e6, 1000, 'cpu+js')).toBeCloseTo(
      TRAINING_THROUGHPUT['cpu+js'].overheadSeconds + 3e9 / TRAINING_THROUGHPUT['cpu+js'].macsPerSecond,
    );
    expect(childTrainSeconds(1e7, 1e4, 'tensorflow')).toBeLessThan(childTrainSeconds(1e7, 1e4, 'cpu'));
  });
});

describe('estimateCost', () => {
  it('prices each sampled child with its own batch size and epochs (childBudget)', () => {
    const small = estimateCost(spec({ space: { hyperparameters: { batchSize: [32] } } }));
    const big = estimateCost(spec({ space: { hyperparameters: { batchSize: [256] } } }));
    expect(big.trainExamplesPerChild).toBe(8 * small.trainExamplesPerChild);
    const trainPart = (e: typeof small) =>
      e.perChildTrainSeconds - TRAINING_THROUGHPUT[e.backend].overheadSeconds;
    expect(trainPart(big) / trainPart(small)).toBeCloseTo(8, 1);
  });

  it('prices what the default cloud trainer runs, whoever asks', () => {
    expect(estimateCost(spec()).backend).toBe(TRAINER_BACKEND[DEFAULT_TRAINER_PACKAGING]);
    expect(DEFAULT_COST_BACKEND).toBe(TRAINER_BACKEND.zip);
  });

  it('adds up its parts and is deterministic', () => {
    const e = estimateCost(spec());
    expect(e.totalUSD).toBeGreaterThan(0);
    expect(e.lambdaUSD + e.stepFunctionsUSD + e.s3USD).toBeCloseTo(e.totalUSD, 5);
    expect(estimateCost(spec())).toEqual(e);
    expect(e.candidates).toBe(36);
    expect(e.iterations).toBe(6);
    expect(e.transitions).toBe(
      36 * WORK_PROFILE.transitionsPerChild +
        6 * WORK_PROFILE.transitionsPerIteration +
        WORK_PROFILE.transitionsPerExecution,
    );
    expect(e.stepFunctionsUSD).toBeCloseTo(e.transitions * PRICES.sfnTransition, 6);
    expect(e.trainSeconds).toBeCloseTo(e.perChildTrainSeconds * 36, 0);
    expect(e.meanForwardMacs).toBeGreaterThan(0);
  });

  it('grows with the budget and the training length; a slower backend trains for longer', () => {
    const base = estimateCost(spec());
    const more = estimateCost(spec({ strategy: { iterations: 12 } }));
    expect(more.totalUSD).toBeGreaterThan(1.8 * base.totalUSD);
    expect(estimateCost(spec({ training: { steps: 600 } })).totalUSD).toBeGreaterThan(base.totalUSD);
    expect(estimateCost(spec(), { backend: 'cpu+js' }).trainSeconds).toBeGreaterThan(base.trainSeconds);
    // The candidate budget caps the count.
    expect(estimateCost(spec({ budget: { maxCandidates: 5 } })).candidates).toBe(5);
  });

  it('never counts more training time per child than training.maxSeconds', () => {
    const e = estimateCost(spec({ training: { steps: 1_000_000, maxSeconds: 30 } }));
    expect(e.perChildTrainSeconds).toBe(30);
  });
});

describe('costSoFar', () => {
  it('is small before any work, and uses measured training seconds when given', () => {
    const s = spec();
    const zero = costSoFar(s, { iteration: 0, candidatesEvaluated: 0, trained: 0 });
    expect(zero.trainSeconds).toBe(0);
    expect(zero.totalUSD).toBeLessThan(estimateCost(s).totalUSD / 10);
    const measured = costSoFar(s, { iteration: 1, candidatesEvaluated: 6, trained: 6, trainSeconds: 100 });
    expect(measured.trainSeconds).toBe(100);
    const gbs = STEP_PROFILE.trainerMemoryGB * 100 * PRICES.lambdaGBSecond.arm64;
    const noTrain = costSoFar(s, { iteration: 1, candidatesEvaluated: 6, trained: 6, trainSeconds: 0 });
    expect(measured.lambdaUSD - noTrain.lambdaUSD).toBeCloseTo(gbs, 6);
    // Cached children are not in `trained` (as in state.json): they cost no training.
    const cached = costSoFar(s, { iteration: 1, candidatesEvaluated: 6, trained: 0 });
    expect(cached.trainSeconds).toBe(0);
  });

  it('reaches the estimate when all the estimated work is done', () => {
    const s = spec();
    const e = estimateCost(s);
    const done = costSoFar(s, { iteration: 6, candidatesEvaluated: 36, trained: 36 });
    expect(done.totalUSD).toBeCloseTo(e.totalUSD, 4);
  });
});

describe('AutoHAS', () => {
  const a = spec({ strategy: { name: 'autohas' }, autohas: { steps: 400, stepsPerChunk: 100, topK: 3 } });

  it('prices the supernet chunks and the top-k retraining (plus the default-hp twin), not iterations × batch', () => {
    const e = estimateCost(a);
    expect(e.candidates).toBe(4);
    expect(e.iterations).toBe(1);
    const retrainOnly = e.perChildTrainSeconds * 4;
    // The supernet: 7/3 of a training batch in MACs per step (weight step, trial step, validation).
    const supernet =
      (7 * e.meanForwardMacs * 32 * 400) / TRAINING_THROUGHPUT[DEFAULT_COST_BACKEND].macsPerSecond;
    expect(e.trainSeconds).toBeCloseTo(retrainOnly + supernet, 0);
    expect(e.transitions).toBeGreaterThanOrEqual(4 * WORK_PROFILE.transitionsPerSupernetChunk);
    // More supernet steps cost more.
    const longer = spec({
      strategy: { name: 'autohas' },
      autohas: { steps: 800, stepsPerChunk: 100, topK: 3 },
    });
    expect(estimateCost(longer).totalUSD).toBeGreaterThan(e.totalUSD);
  });

  it('reaches the estimate when the supernet and the retraining are done', () => {
    const done = costSoFar(a, { iteration: 1, candidatesEvaluated: 4, trained: 4, supernet: { step: 400 } });
    expect(done.totalUSD).toBeCloseTo(estimateCost(a).totalUSD, 4);
    const half = costSoFar(a, { iteration: 0, candidatesEvaluated: 0, trained: 0, supernet: { step: 200 } });
    expect(half.totalUSD).toBeGreaterThan(0);
    expect(half.totalUSD).toBeLessThan(done.totalUSD);
  });
});
