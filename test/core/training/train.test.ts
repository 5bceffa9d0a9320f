import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedDataset } from '../../../core/data/dataset.js';
import { loadDataset } from '../../../core/data/load.js';
import type { Hyperparameters, NetworkArch } from '../../../core/space/types.js';
import { DatasetSpec, TrainingSpec } from '../../../core/spec/schema.js';
import { tf } from '../../../core/training/backend.js';
import { loadModelFromStore } from '../../../core/training/model-io.js';
import { evaluateAccuracy, trainChild, trainChildChunk } from '../../../core/training/train.js';
import { MemStore } from './mem-store.js';

const TINY: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 8,
  stages: [
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 16, layers: 1, squeezeExcite: false, stride: 2 },
  ],
};
/** Two stages: enough capacity for ≥ 0.9 on digits in 100 steps. */
const SMALL: NetworkArch = {
  ...TINY,
  stages: [TINY.stages[0]!, { ...TINY.stages[0]!, filters: 24 }],
};
const HP: Hyperparameters = { learningRate: 0.01, weightDecay: 1e-4, optimizer: 'adam', batchSize: 32 };
const steps = (n: number) => TrainingSpec.parse({ steps: n });

let digits: LoadedDataset;
beforeAll(async () => {
  digits = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
});

describe('trainChild', () => {
  it('trains a tiny child on digits to ≥ 0.9 test accuracy and saves a model that reloads', async () => {
    const store = new MemStore();
    const r = await trainChild({
      arch: SMALL,
      hyperparameters: HP,
      dataset: digits,
      training: steps(100),
      seed: 1,
      saveModel: { store, prefix: 'models/c1' },
    });
    expect(r.status).toBe('ok');
    expect(r.stepsDone).toBe(100);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.valAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(r.backend).toMatch(/^cpu|tensorflow/);
    expect(r.examplesPerSec).toBeGreaterThan(0);
    expect(r.params).toBeGreaterThan(0);
    expect([...store.objects.keys()].sort()).toEqual([
      'models/c1/int8.bin',
      'models/c1/int8.json',
      'models/c1/model.json',
      'models/c1/weights.bin',
    ]);
    const loaded = await loadModelFromStore(store, 'models/c1');
    expect(evaluateAccuracy(loaded, digits.test, digits.shape)).toBe(r.testAccuracy);
    const meta = loaded.getUserDefinedMetadata() as { cosearch: { mean: number[]; inputShape: number[] } };
    expect(meta.cosearch.inputShape).toEqual([8, 8, 1]);
    expect(meta.cosearch.mean).toEqual(digits.normalization.mean);
    loaded.dispose();
  });

  it('is deterministic: same seed gives bit-identical weights, another seed does not', async () => {
    const run = async (seed: number) => {
      const store = new MemStore();
      const r = await trainChild({
        arch: TINY,
        hyperparameters: { ...HP, optimizer: 'sgd', learningRate: 0.05 },
        dataset: digits,
        training: steps(8),
        seed,
        saveModel: { store, prefix: 'm' },
      });
      return { r, weights: Buffer.from(await store.get('m/weights.bin')).toString('base64') };
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a.weights).toBe(b.weights);
    expect(a.r.testAccuracy).toBe(b.r.testAccuracy);
    expect(c.weights).not.toBe(a.weights);
  });

  it('resumed from a checkpoint equals an uninterrupted run', async () => {
    const go = async (store: MemStore | undefined, maxSeconds?: number, signal?: AbortSignal) => {
      const out = new MemStore();
      const r = await trainChild({
        arch: TINY,
        hyperparameters: HP,
        dataset: digits,
        training: { ...steps(12), ...(maxSeconds ? { maxSeconds } : {}) },
        seed: 3,
        signal,
        checkpoint: store ? { store, prefix: 'ck/c1', everySteps: 5 } : undefined,
        saveModel: { store: out, prefix: 'm' },
      });
      return { r, weights: await out.tryGet('m/weights.bin') };
    };
    const whole = await go(undefined);
    const ck = new MemStore();
    // First invocation: aborted after the first checkpoint (step 5) and a few more steps.
    const ctl = new AbortController();
    const first = trainChild({
      arch: TINY,
      hyperparameters: HP,
      dataset: digits,
      training: steps(12),
      seed: 3,
      checkpoint: { store: ck, prefix: 'ck/c1', everySteps: 5 },
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.step >= 7) ctl.abort();
      },
      progressEvery: 1,
    });
    const r1 = await first;
    expect(r1.status).toBe('cutShort');
    expect(r1.stepsDone).toBe(7);
    const saved = JSON.parse(new TextDecoder().decode(await ck.get('ck/c1/checkpoint.json'))) as {
      step: number;
    };
    expect(saved.step).toBe(7);
    const resumed = await go(ck);
    expect(resumed.r.status).toBe('ok');
    expect(resumed.r.stepsDone).toBe(12);
    expect(Buffer.from(resumed.weights!).equals(Buffer.from(whole.weights!))).toBe(true);
    expect(resumed.r.testAccuracy).toBe(whole.r.testAccuracy);
  });

  it('with the whole recipe (warm-up, cosine, crop and flip, dropout, label smoothing): deterministic, and resumed equals uninterrupted', async () => {
    const training = TrainingSpec.parse({
      steps: 12,
      schedule: 'cosine',
      warmupFraction: 0.2,
      augment: 'crop+flip',
      dropout: 0.3,
      labelSmoothing: 0.1,
    });
    const run = async (checkpoint?: MemStore) => {
      const out = new MemStore();
      const r = await trainChild({
        arch: TINY,
        hyperparameters: HP,
        dataset: digits,
        training,
        seed: 4,
        ...(checkpoint ? { checkpoint: { store: checkpoint, prefix: 'ck', everySteps: 4 } } : {}),
        saveModel: { store: out, prefix: 'm' },
      });
      return { r, weights: Buffer.from((await out.tryGet('m/weights.bin')) ?? []).toString('base64') };
    };
    const a = await run();
    const b = await run();
    expect(a.r.status).toBe('ok');
    expect(a.weights).toBe(b.weights);
    const plain = await trainChild({
      arch: TINY,
      hyperparameters: HP,
      dataset: digits,
      training: steps(12),
      seed: 4,
    });
    expect(plain.testAccuracy === a.r.testAccuracy && plain.valAccuracy === a.r.valAccuracy).toBe(false);
    const ck = new MemStore();
    const ctl = new AbortController();
    const cut = await trainChild({
      arch: TINY,
      hyperparameters: HP,
      dataset: digits,
      training,
      seed: 4,
      checkpoint: { store: ck, prefix: 'ck', everySteps: 4 },
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.step >= 6) ctl.abort();
      },
      progressEvery: 1,
    });
    expect(cut.status).toBe('cutShort');
    const resumed = await run(ck);
    expect(resumed.r.stepsDone).toBe(12);
    expect(resumed.weights).toBe(a.weights);
  });

  it('trained in chunks of 5 steps (one call each, resumed from the store) equals one whole run', async () => {
    const training = TrainingSpec.parse({ steps: 12, schedule: 'step', augment: 'flip', dropout: 0.2 });
    const base = { arch: TINY, hyperparameters: HP, dataset: digits, training, seed: 9 };
    const wholeOut = new MemStore();
    const whole = await trainChild({ ...base, saveModel: { store: wholeOut, prefix: 'm' } });
    const ck = new MemStore();
    const out = new MemStore();
    const chunks: number[] = [];
    let r: Awaited<ReturnType<typeof trainChildChunk>>;
    do {
      r = await trainChildChunk({
        ...base,
        checkpoint: { store: ck, prefix: 'ck' },
        chunkSteps: 5,
        saveModel: { store: out, prefix: 'm' },
      });
      chunks.push(r.done ? r.result.stepsDone : r.stepsDone);
    } while (!r.done);
    expect(chunks).toEqual([5, 10, 12]);
    expect(r.result.status).toBe('ok');
    expect(
      Buffer.from(await out.get('m/weights.bin')).equals(Buffer.from(await wholeOut.get('m/weights.bin'))),
    ).toBe(true);
    expect(r.result.testAccuracy).toBe(whole.testAccuracy);
  });

  it('returns failed, never throws, for an infeasible arch', async () => {
    const bad: NetworkArch = {
      ...TINY,
      stages: [1, 2, 3, 4].map(() => ({ ...TINY.stages[0]!, stride: 2 as const })),
    };
    const r = await trainChild({
      arch: bad,
      hyperparameters: HP,
      dataset: digits,
      training: steps(5),
      seed: 1,
    });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/infeasible architecture.*1×1/);
  });

  it('returns failed with the step when the loss becomes NaN', async () => {
    const poisoned: LoadedDataset = {
      ...digits,
      train: { ...digits.train, x: new Float32Array(digits.train.x.length).fill(Number.NaN) },
    };
    const r = await trainChild({
      arch: TINY,
      hyperparameters: HP,
      dataset: poisoned,
      training: steps(5),
      seed: 1,
    });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/loss became NaN at step 0/);
  });

  it('marks a run past maxSeconds as cutShort and still scores it', async () => {
    const r = await trainChild({
      arch: TINY,
      hyperparameters: HP,
      dataset: digits,
      training: TrainingSpec.parse({ steps: 100000, maxSeconds: 0.3 }),
      seed: 1,
    });
    expect(r.status).toBe('cutShort');
    expect(r.reason).toMatch(/maxSeconds 0.3/);
    expect(r.stepsDone).toBeGreaterThan(0);
    expect(r.stepsDone).toBeLessThan(100000);
    expect(r.testAccuracy).toBeGreaterThan(0);
  });

  it('skips the quantized scoring when asked, with the same fp32 scores', async () => {
    const base = { arch: TINY, hyperparameters: HP, dataset: digits, training: steps(10), seed: 2 };
    const both = await trainChild(base);
    const fp32 = await trainChild({ ...base, scoreQuantized: false });
    expect(both.quantized?.testAccuracy).toBeGreaterThan(0);
    expect(fp32.quantized).toBeUndefined();
    expect(fp32.testAccuracy).toBe(both.testAccuracy);
    expect(fp32.valAccuracy).toBe(both.valAccuracy);
    await expect(
      trainChild({ ...base, scoreQuantized: false, saveModel: { store: new MemStore(), prefix: 'm' } }),
    ).rejects.toThrow(/saveModel needs scoreQuantized/);
  });

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    await trainChild({ arch: TINY, hyperparameters: HP, dataset: digits, training: steps(3), seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const recipe = TrainingSpec.parse({ steps: 3, dropout: 0.2, augment: 'crop', labelSmoothing: 0.1 });
    await trainChild({ arch: TINY, hyperparameters: HP, dataset: digits, training: recipe, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
