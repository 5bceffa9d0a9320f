// The PyTorch twin of bench/parity.ts (bench/parity_torch.py) against cosearch: the same network
// layer for layer (parameter counts, and inference-mode logits from the same weights, including
// TensorFlow's asymmetric 'same' padding at stride 2), and the same training (a few steps from
// the same initial weights and data order end in the same network).
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchNormOf,
  buildParityModel,
  disposeBuilt,
  exportWeights,
  findTorchPython,
  type ParityModel,
  runPython,
  TORCH_SCRIPT,
  writeSplit,
  writeTorchJob,
} from '../../bench/parity.js';
import { channelStats, sliceRows } from '../../core/data/batch.js';
import type { LoadedDataset } from '../../core/data/dataset.js';
import { DEFAULT_ARCH } from '../../core/network/defaults.js';
import { Rng } from '../../core/rng.js';
import type { Hyperparameters, NetworkArch } from '../../core/space/types.js';
import { TrainingSpec } from '../../core/spec/schema.js';
import { FileStore } from '../../core/store/file-store.js';
import { initBackend, tf } from '../../core/training/backend.js';
import { loadModelFromStore } from '../../core/training/model-io.js';
import { trainChild } from '../../core/training/train.js';

const IN_CI = process.env.CI === 'true';
const found = await findTorchPython();
const python = 'python' in found ? found.python : undefined;
if (!python && !IN_CI)
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING the PyTorch parity tests: ${'reason' in found ? found.reason : ''}.\n` +
      `!! In CI (CI=true) these tests fail instead of skipping.\n${'!'.repeat(78)}\n`,
  );

/** Every block type, SE, residual stages, 5×5 and 7×7 kernels, odd map sizes at stride 2. */
const VARIED: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 8,
  stages: [
    {
      block: 'fused-mbconv',
      kernel: 3,
      expansion: 1,
      filters: 8,
      layers: 2,
      squeezeExcite: false,
      stride: 2,
    },
    { block: 'mbconv', kernel: 5, expansion: 6, filters: 12, layers: 2, squeezeExcite: true, stride: 2 },
    {
      block: 'fused-mbconv',
      kernel: 3,
      expansion: 3,
      filters: 16,
      layers: 1,
      squeezeExcite: true,
      stride: 1,
    },
    { block: 'conv', kernel: 7, filters: 16, layers: 2, squeezeExcite: true, stride: 2 },
    { block: 'mbconv', kernel: 3, expansion: 1, filters: 16, layers: 1, squeezeExcite: false, stride: 1 },
  ],
};

const CASES: { name: string; model: ParityModel; shape: [number, number, number]; classes: number }[] = [
  {
    name: 'the default child on 28×28×1',
    model: { kind: 'mobile-cnn', arch: DEFAULT_ARCH },
    shape: [28, 28, 1],
    classes: 10,
  },
  {
    name: 'every block type on 13×10×3',
    model: { kind: 'mobile-cnn', arch: VARIED },
    shape: [13, 10, 3],
    classes: 5,
  },
  { name: 'R1 on 28×28×1', model: { kind: 'r1' }, shape: [28, 28, 1], classes: 10 },
];

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'parity-test-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function torch(args: string[]): Promise<string> {
  const r = await runPython(python!, [TORCH_SCRIPT, ...args]);
  if (r.code !== 0) throw new Error(`parity_torch.py ${args[0]} failed:\n${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe.skipIf(!python && !IN_CI)('PyTorch twin (bench/parity_torch.py)', () => {
  it.each(CASES)('$name: same parameter count and inference logits from the same weights', async (c) => {
    const built = buildParityModel(c.model, c.shape, c.classes, 3);
    // Non-trivial batch-norm statistics and affine terms, so inference-mode BN is really compared.
    const rng = Rng.fromSeed('parity-test-bn');
    for (const l of built.model.layers)
      if (l.getClassName() === 'BatchNormalization')
        l.setWeights(
          l.getWeights().map((w, i) => {
            const n = w.size;
            const v = Float32Array.from({ length: n }, () =>
              i === 3 ? 0.5 + rng.next() : rng.normal() * 0.5,
            );
            return tf.tensor(v, w.shape);
          }),
        );
    const { manifest, values } = exportWeights(built.model);
    const job = join(dir, `forward-${c.shape.join('x')}-${c.model.kind}`);
    await rm(job, { recursive: true, force: true });
    await mkdir(job);
    await writeFile(
      join(job, 'job.json'),
      JSON.stringify({
        model: c.model,
        inputShape: c.shape,
        numClasses: c.classes,
        batchNorm: batchNormOf(built.model),
        weights: manifest,
      }),
    );
    await writeFile(join(job, 'init.f32'), new Uint8Array(values.buffer));
    const n = 4;
    const x = Float32Array.from({ length: n * c.shape[0] * c.shape[1] * c.shape[2] }, () => rng.normal());
    await writeFile(join(job, 'forward-x.f32'), new Uint8Array(x.buffer));
    const out = JSON.parse(await torch(['forward', job])) as { params: number };
    expect(out.params).toBe(built.summary.params);
    const ours = tf.tidy(
      () =>
        (built.logitsModel.predict(tf.tensor4d(x, [n, ...c.shape])) as tf.Tensor).dataSync() as Float32Array,
    );
    const theirs = readF32(join(job, 'forward-y.f32'));
    const scale = Math.max(...Array.from(ours, Math.abs));
    expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-4 * Math.max(1, scale));
    disposeBuilt(built);
  });

  it('counts parameters as the summary does for a model alone (params mode)', async () => {
    const file = join(dir, 'model.json');
    await writeFile(
      file,
      JSON.stringify({ model: { kind: 'mobile-cnn', arch: VARIED }, inputShape: [13, 10, 3], numClasses: 5 }),
    );
    const built = buildParityModel({ kind: 'mobile-cnn', arch: VARIED }, [13, 10, 3], 5, 0);
    expect(JSON.parse(await torch(['params', file]))).toEqual({ params: built.summary.params });
    disposeBuilt(built);
  });

  /** A small random dataset: 12×12×1 images, 3 classes, its own test split. */
  function tinyData(): LoadedDataset {
    const rng = Rng.fromSeed('parity-tiny');
    const shape: [number, number, number] = [12, 12, 1];
    const split = (n: number) => ({
      x: Uint8Array.from({ length: n * 144 }, () => rng.int(256)),
      y: Int32Array.from({ length: n }, () => rng.int(3)),
      n,
    });
    const train = split(40);
    const test = split(16);
    const normalization = channelStats(train.x, 1);
    return {
      uri: 'test:tiny',
      shape,
      numClasses: 3,
      train: { ...train, normalization },
      val: { ...test, normalization },
      test: { ...test, normalization },
      normalization,
    };
  }

  // SGD steps agree to float rounding; Adam's first steps follow the sign of each gradient, so
  // rounding in gradients near zero shows more. Batch norm's moving variance as tfjs keeps it.
  it.each([
    {
      model: { kind: 'mobile-cnn', arch: DEFAULT_ARCH } as ParityModel,
      optimizer: 'adam' as const,
      tolerance: 1e-3,
    },
    {
      model: { kind: 'mobile-cnn', arch: DEFAULT_ARCH } as ParityModel,
      optimizer: 'sgd' as const,
      tolerance: 1e-5,
    },
    { model: { kind: 'r1' } as ParityModel, optimizer: 'adam' as const, tolerance: 1e-3 },
  ])('$model.kind with $optimizer: 12 steps train to the same network as trainChild', async (c) => {
    const data = tinyData();
    const hp: Hyperparameters = {
      learningRate: 0.01,
      weightDecay: 1e-3,
      optimizer: c.optimizer,
      batchSize: 8,
    };
    // 3 epochs of 5 batches minus 3: epoch boundaries, a warm-up and a cosine decay, label smoothing.
    const training = {
      ...TrainingSpec.parse({ steps: 12, schedule: 'cosine', warmupFraction: 0.25, labelSmoothing: 0.1 }),
      maxSeconds: Number.POSITIVE_INFINITY,
    };
    const job = join(dir, `train-${c.model.kind}-${c.optimizer}`);
    writeSplit(dir, 'train', data.train);
    writeSplit(dir, 'test', data.test);
    writeTorchJob(job, {
      model: c.model,
      data,
      training,
      hyperparameters: hp,
      seed: 5,
      dataDir: dir,
      threads: 1,
      saveTestLogits: true,
      movingVariance: 'biased',
    });
    const store = new FileStore(join(dir, `store-${c.model.kind}-${c.optimizer}`));
    const r = await trainChild({
      arch: DEFAULT_ARCH,
      ...(c.model.kind === 'r1'
        ? { buildNetwork: (s, k, seed) => buildParityModel(c.model, s, k, seed) }
        : {}),
      hyperparameters: hp,
      dataset: data,
      training,
      seed: 5,
      saveModel: { store, prefix: 'm' },
    });
    expect(r.reason ?? r.status).toBe('ok');
    const out = JSON.parse(await torch(['train', job])) as { params: number };
    expect(out.params).toBe(r.params);
    const model = await loadModelFromStore(store, 'm');
    const x = new Float32Array(data.test.n * 144);
    sliceRows(data.test, 144, 0, data.test.n, x);
    const ours = tf.tidy(() =>
      (model.predict(tf.tensor4d(x, [data.test.n, 12, 12, 1])) as tf.Tensor).dataSync(),
    );
    model.dispose();
    const logits = readF32(join(job, 'test-logits.f32'));
    const theirs = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [data.test.n, 3])).dataSync());
    const diff = maxAbsDiff(ours, theirs);
    // The 12 steps moved the network far more than the two frameworks differ.
    const init = buildParityModel(c.model, data.shape, 3, 5);
    const before = tf.tidy(() =>
      (init.model.predict(tf.tensor4d(x, [data.test.n, 12, 12, 1])) as tf.Tensor).dataSync(),
    );
    disposeBuilt(init);
    expect(maxAbsDiff(ours, before)).toBeGreaterThan(20 * diff);
    expect(diff).toBeLessThan(c.tolerance);
  });
});
