// `npm run bench -- quantize [--quick] [--seeds N] [--fashion-seeds N] [--fashion-steps N]`: the
// accuracy drop from the fp32 model to its post-training quantized copy (int8 activations,
// per-channel int8 and 4-bit weights; 4-bit also with TFLite's max scale, to show what clipping
// gains) for the default child, on builtin:digits (the spec's default 60 steps, 3 seeds) and on
// builtin:fashion-mnist (300 steps, 1 seed: the machine is shared). Each seed trains the child once
// through the trainer (which scores int8 itself); the saved model is then quantized again, at 8
// bits (to check the trainer's figure is reproduced) and at 4, with the same calibration batches.
// Drops are in percentage points of test accuracy, medians over seeds. Times are one run each:
// calibration + quantized scoring of validation and test, against fp32 scoring of the same splits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedDataset } from '../core/data/dataset.js';
import { loadDataset } from '../core/data/load.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../core/network/defaults.js';
import { quantizeChild } from '../core/quantize/model.js';
import { DatasetSpec, TrainingSpec } from '../core/spec/schema.js';
import { median } from '../core/stats.js';
import { FileStore } from '../core/store/file-store.js';
import { initBackend } from '../core/training/backend.js';
import { loadModelFromStore } from '../core/training/model-io.js';
import { evaluateAccuracy, trainChild } from '../core/training/train.js';

const r4 = (x: number) => Number(x.toFixed(4));
const points = (a: number, b: number) => Number(((a - b) * 100).toFixed(2));

interface SeedFigures {
  seed: number;
  fp32: { val: number; test: number };
  int8: { val: number; test: number };
  w4a8: { val: number; test: number };
  /** 4-bit weights with TFLite's scale rule (max|w|/qmax): what the least-squared-error clipping gains. */
  w4a8MaxScale: { val: number; test: number };
  calibrationExamples: number;
  /** The trainer's int8 score equals a fresh quantization of the saved model (determinism). */
  int8Reproduced: boolean;
  seconds: { train: number; fp32Scoring: number; int8QuantizeAndScore: number };
}

async function child(data: LoadedDataset, steps: number, seed: number, dir: string): Promise<SeedFigures> {
  const store = new FileStore(join(dir, `${data.uri.replace(/\W/g, '_')}-${seed}`));
  const training = TrainingSpec.parse({ steps });
  const r = await trainChild({
    arch: DEFAULT_ARCH,
    hyperparameters: DEFAULT_HYPERPARAMETERS,
    dataset: data,
    training,
    seed,
    saveModel: { store, prefix: 'm' },
  });
  if (r.status !== 'ok' || !r.quantized) throw new Error(`seed ${seed}: training ${r.status}: ${r.reason}`);
  const model = await loadModelFromStore(store, 'm');
  try {
    const opts = {
      batches: training.calibrationBatches,
      batchSize: DEFAULT_HYPERPARAMETERS.batchSize,
      seed,
    };
    let t = performance.now();
    evaluateAccuracy(model, data.val, data.shape);
    evaluateAccuracy(model, data.test, data.shape);
    const fp32Scoring = (performance.now() - t) / 1000;
    t = performance.now();
    const int8 = quantizeChild(model, data, { ...opts, weightBits: 8 }).score;
    const int8Seconds = (performance.now() - t) / 1000;
    const w4 = quantizeChild(model, data, { ...opts, weightBits: 4 }).score;
    const w4max = quantizeChild(model, data, { ...opts, weightBits: 4, weightClip: 'max' }).score;
    return {
      seed,
      fp32: { val: r4(r.valAccuracy), test: r4(r.testAccuracy) },
      int8: { val: r4(r.quantized.valAccuracy), test: r4(r.quantized.testAccuracy) },
      w4a8: { val: r4(w4.valAccuracy), test: r4(w4.testAccuracy) },
      w4a8MaxScale: { val: r4(w4max.valAccuracy), test: r4(w4max.testAccuracy) },
      calibrationExamples: r.quantized.calibrationExamples,
      int8Reproduced:
        int8.testAccuracy === r.quantized.testAccuracy && int8.valAccuracy === r.quantized.valAccuracy,
      seconds: {
        train: Number(r.trainSeconds.toFixed(2)),
        fp32Scoring: Number(fp32Scoring.toFixed(2)),
        int8QuantizeAndScore: Number(int8Seconds.toFixed(2)),
      },
    };
  } finally {
    model.dispose();
  }
}

async function dataset(uri: string, steps: number, seeds: number, dir: string) {
  const data = await loadDataset(DatasetSpec.parse({ uri }), { seed: 0 });
  const perSeed: SeedFigures[] = [];
  for (let seed = 0; seed < seeds; seed++) perSeed.push(await child(data, steps, seed, dir));
  const med = (f: (s: SeedFigures) => number) => r4(median(perSeed.map(f)));
  return {
    steps,
    batchSize: DEFAULT_HYPERPARAMETERS.batchSize,
    calibrationExamples: perSeed[0]!.calibrationExamples,
    sizes: { train: data.train.n, validation: data.val.n, test: data.test.n },
    median: {
      fp32Test: med((s) => s.fp32.test),
      int8Test: med((s) => s.int8.test),
      w4a8Test: med((s) => s.w4a8.test),
      w4a8MaxScaleTest: med((s) => s.w4a8MaxScale.test),
      /** Percentage points lost to quantization (negative: the quantized model did better). */
      dropInt8Points: points(
        median(perSeed.map((s) => s.fp32.test)),
        median(perSeed.map((s) => s.int8.test)),
      ),
      dropW4a8Points: points(
        median(perSeed.map((s) => s.fp32.test)),
        median(perSeed.map((s) => s.w4a8.test)),
      ),
      /** The same, per seed then the median: less sensitive to which seed is the median. */
      dropInt8PointsPerSeed: Number(median(perSeed.map((s) => points(s.fp32.test, s.int8.test))).toFixed(2)),
    },
    perSeed,
  };
}

export async function run(args: string[]): Promise<unknown> {
  const quick = args.includes('--quick');
  const flag = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number >= 1`);
    return v;
  };
  const seeds = flag('--seeds', quick ? 1 : 3);
  const fashionSeeds = flag('--fashion-seeds', 1);
  const fashionSteps = flag('--fashion-steps', quick ? 100 : 300);
  const backend = (await initBackend('auto')).name;
  const dir = await mkdtemp(join(tmpdir(), 'cosearch-bench-quantize-'));
  try {
    return {
      backend,
      child: { arch: DEFAULT_ARCH, hyperparameters: DEFAULT_HYPERPARAMETERS },
      scheme:
        'post-training: per-output-channel symmetric weights (least-squared-error clipping), per-tensor affine int8 activations (min/max over calibration batches), batch-norm folded, ReLU fused',
      digits: await dataset('builtin:digits', 60, seeds, dir),
      // One seed unless asked: the largest cost of the benchmark.
      fashionMnist: await dataset('builtin:fashion-mnist', fashionSteps, fashionSeeds, dir),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
