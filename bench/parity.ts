// `npm run bench -- parity [--seeds 3] [--epochs E] [--steps S] [--models r1,defaultChild] [--threads 1]`:
// test accuracy on Fashion-MNIST of two networks trained by cosearch and by PyTorch (Debian's
// python3-torch, bench/parity_torch.py) with the same recipe, medians over seeds.
// What is shared, so that the two runs differ only in the framework:
// - the network, layer for layer: PyTorch builds it from the same NetworkArch JSON (or R1's fixed
//   layers), with TensorFlow's 'same' padding and our batch-norm epsilon and momentum; the
//   parameter counts are checked equal;
// - the initial weights: cosearch's seeded initialization, copied by layer name;
// - the data: the same training split (our seeded split), normalization and official test set;
// - the data order: every step's batch, from our per-epoch permutations (epochOrder);
// - the optimizer (Adam with our betas and epsilon, or SGD with momentum; coupled L2 weight decay
//   on kernels only), and every step's learning rate from our schedule (learningRateAt);
// - the recipe: FASHION_MNIST_RECIPE, with augmentation and dropout off (their random draws are
//   ours alone; label smoothing is kept, it draws nothing).
// Each seed runs both frameworks at once (PyTorch on --threads threads in a child process).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedDataset, Split } from '../core/data/dataset.js';
import { loadDataset } from '../core/data/load.js';
import { BN_MOMENTUM, type BuiltModel, buildModel } from '../core/network/build.js';
import { FASHION_MNIST_RECIPE } from '../core/network/defaults.js';
import { FastBatchNormalization } from '../core/network/fast-batchnorm.js';
import type { NetworkSummary } from '../core/network/layers.js';
import { Rng } from '../core/rng.js';
import type { Hyperparameters, NetworkArch } from '../core/space/types.js';
import { childBudget, childRecipe } from '../core/spec/plan.js';
import { DatasetSpec, TrainingSpec } from '../core/spec/schema.js';
import { median } from '../core/stats.js';
import { initBackend, tf } from '../core/training/backend.js';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, SGD_MOMENTUM } from '../core/training/optimizer.js';
import { learningRateAt } from '../core/training/schedule.js';
import { epochOrder, shuffleStream, trainChild } from '../core/training/train.js';
import { pytorchEnv } from './pytorch-env.js';

const TORCH_SCRIPT = fileURLToPath(new URL('./parity_torch.py', import.meta.url));

/** A model both frameworks build: a mobile-cnn child, or R1. */
export type ParityModel = { kind: 'mobile-cnn'; arch: NetworkArch } | { kind: 'r1' };

type Sym = tf.SymbolicTensor;

/**
 * R1 (issue #5: conv3×3/16, dw3×3 s2, conv1×1/32, BN, conv3×3/32 s2, GAP, dense 10) with named
 * layers and seeded He-normal / Glorot initializers, as children are initialized.
 */
export function buildR1(
  shape: readonly [number, number, number],
  numClasses: number,
  seed: number,
): BuiltModel {
  const init = Rng.fromSeed(`r1-init:${seed}`);
  const he = (name: string) => tf.initializers.heNormal({ seed: init.split(name).int(2 ** 31) });
  // ReLUs as layers of their own, as children have them (the quantized copy simulates those).
  const relu = (x: Sym, name: string): Sym =>
    tf.layers.activation({ name: `${name}_relu`, activation: 'relu' }).apply(x) as Sym;
  const conv = (x: Sym, name: string, filters: number, k: number, strides: number): Sym =>
    relu(
      tf.layers
        .conv2d({ name, filters, kernelSize: k, strides, padding: 'same', kernelInitializer: he(name) })
        .apply(x) as Sym,
      name,
    );
  const input = tf.input({ shape: [...shape], name: 'input' });
  let x = conv(input, 'r1_conv1', 16, 3, 1);
  x = relu(
    tf.layers
      .depthwiseConv2d({
        name: 'r1_dw',
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        depthwiseInitializer: he('r1_dw'),
      })
      .apply(x) as Sym,
    'r1_dw',
  );
  x = conv(x, 'r1_conv2', 32, 1, 1);
  x = new FastBatchNormalization({ name: 'r1_bn', momentum: BN_MOMENTUM }).apply(x) as Sym;
  x = conv(x, 'r1_conv3', 32, 3, 2);
  x = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(x) as Sym;
  const logits = tf.layers
    .dense({
      name: 'head_dense',
      units: numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: init.split('head_dense').int(2 ** 31) }),
    })
    .apply(x) as Sym;
  const probs = tf.layers.activation({ name: 'head_softmax', activation: 'softmax' }).apply(logits) as Sym;
  const model = tf.model({ inputs: input, outputs: probs, name: 'r1' });
  const logitsModel = tf.model({ inputs: input, outputs: logits, name: 'r1_logits' });
  // Only params and MACs of the summary are reported for a model the walk does not describe.
  const [h, w] = shape;
  const [h2, w2] = [Math.ceil(h / 2), Math.ceil(w / 2)];
  const [h4, w4] = [Math.ceil(h2 / 2), Math.ceil(w2 / 2)];
  const macs =
    h * w * 16 * 9 * shape[2] +
    h2 * w2 * 16 * 9 +
    h2 * w2 * 32 * 16 +
    h4 * w4 * 32 * 32 * 9 +
    32 * numClasses;
  const summary: NetworkSummary = {
    inputShape: [...shape],
    numClasses,
    layers: [],
    params: model.countParams(),
    macs,
  };
  return { model, logitsModel, summary };
}

/** Builds a parity model in tfjs, seeded as trainChild seeds it. */
export function buildParityModel(
  m: ParityModel,
  shape: readonly [number, number, number],
  numClasses: number,
  seed: number,
): BuiltModel {
  return m.kind === 'r1' ? buildR1(shape, numClasses, seed) : buildModel(m.arch, shape, numClasses, seed);
}

/** Disposes both models of a build (they share layers: the second may find them gone). */
export function disposeBuilt(b: BuiltModel): void {
  for (const m of [b.logitsModel, b.model])
    try {
      m.dispose();
    } catch {
      // layers already freed through the other model
    }
}

/** Every weight of a model by `layer/field` (tfjs layouts) and one buffer holding them all, in order. */
export function exportWeights(model: tf.LayersModel): {
  manifest: { name: string; shape: number[]; offset: number }[];
  values: Float32Array;
} {
  const manifest: { name: string; shape: number[]; offset: number }[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const layer of model.layers)
    for (const w of layer.weights) {
      const v = w.read().dataSync() as Float32Array;
      manifest.push({
        name: `${layer.name}/${w.originalName.split('/').at(-1)}`,
        shape: [...w.shape] as number[],
        offset,
      });
      parts.push(v);
      offset += v.length;
    }
  const values = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    values.set(p, at);
    at += p.length;
  }
  return { manifest, values };
}

/** The batch-norm settings of a model's first batch-norm layer (PyTorch's twin takes the same). */
export function batchNormOf(model: tf.LayersModel): { epsilon: number; momentum: number } {
  for (const l of model.layers)
    if (l.getClassName() === 'BatchNormalization') {
      const c = l.getConfig() as { epsilon: number; momentum: number };
      return { epsilon: c.epsilon, momentum: c.momentum };
    }
  return { epsilon: 1e-3, momentum: BN_MOMENTUM };
}

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A split's pixels and labels as files PyTorch reads (uint8 NHWC, int32), `${name}-x.u8` and `${name}-y.i32`. */
export function writeSplit(dir: string, name: string, split: Split): void {
  if (!(split.x instanceof Uint8Array)) throw new Error('parity expects uint8 pixels');
  writeFileSync(join(dir, `${name}-x.u8`), bytes(split.x));
  writeFileSync(join(dir, `${name}-y.i32`), bytes(split.y));
}

export interface TorchJobInput {
  model: ParityModel;
  data: LoadedDataset;
  training: TrainingSpec;
  hyperparameters: Hyperparameters;
  seed: number;
  /** Where writeSplit put the train and test splits. */
  dataDir: string;
  threads: number;
  /** Also write the trained network's logits on the test split to test-logits.f32 (tests). */
  saveTestLogits?: boolean;
  /**
   * PyTorch's batch norm averages the unbiased batch variance into its moving variance, tfjs the
   * biased one. 'unbiased' (default) is stock PyTorch; 'biased' follows tfjs (tests).
   */
  movingVariance?: 'biased' | 'unbiased';
}

/**
 * Writes what PyTorch needs to train a model as trainChild would with the same input: the network
 * and its initial weights (seeded as trainChild seeds them), every step's batch and learning rate,
 * the optimizer and the loss. Returns the parameter count cosearch builds.
 */
export function writeTorchJob(jobDir: string, j: TorchJobInput): { params: number; steps: number } {
  const { data, hyperparameters: hp } = j;
  const budget = childBudget(j.training, hp, data.train.n);
  const plan = childRecipe(j.training, hp);
  if (plan.augment !== 'none' || plan.dropout > 0)
    throw new Error('the PyTorch twin draws no augmentation or dropout: turn them off');
  mkdirSync(jobDir, { recursive: true });
  const built = buildParityModel(j.model, data.shape, data.numClasses, j.seed);
  const { manifest, values } = exportWeights(built.model);
  const batchNorm = batchNormOf(built.model);
  const params = built.summary.params;
  disposeBuilt(built);
  const lrs = Float64Array.from({ length: budget.steps }, (_, s) =>
    learningRateAt(hp.learningRate, s, budget.steps, plan),
  );
  // Every step's batch, as trainChild's sampler draws it.
  const { batchSize: b, stepsPerEpoch: per, steps } = budget;
  const order = new Int32Array(steps * b);
  const stream = shuffleStream(j.seed);
  for (let e = 0; e * per < steps; e++) {
    const perm = epochOrder(stream, e, data.train.n);
    for (let s = e * per; s < Math.min(steps, (e + 1) * per); s++)
      order.set(perm.slice((s - e * per) * b, (s - e * per + 1) * b), s * b);
  }
  writeFileSync(join(jobDir, 'init.f32'), bytes(values));
  writeFileSync(join(jobDir, 'lr.f64'), bytes(lrs));
  writeFileSync(join(jobDir, 'order.i32'), bytes(order));
  writeFileSync(
    join(jobDir, 'job.json'),
    JSON.stringify({
      model: j.model,
      inputShape: data.shape,
      numClasses: data.numClasses,
      batchNorm: { ...batchNorm, movingVariance: j.movingVariance ?? 'unbiased' },
      weights: manifest,
      dataDir: j.dataDir,
      normalization: data.normalization,
      trainN: data.train.n,
      testN: data.test.n,
      steps,
      batchSize: b,
      weightDecay: hp.weightDecay,
      labelSmoothing: plan.labelSmoothing,
      optimizer:
        hp.optimizer === 'adam'
          ? { kind: 'adam', beta1: ADAM_BETA1, beta2: ADAM_BETA2, epsilon: ADAM_EPSILON }
          : { kind: 'sgd', momentum: SGD_MOMENTUM },
      threads: j.threads,
      saveTestLogits: j.saveTestLogits ?? false,
    }),
  );
  return { params, steps };
}

/** A python3 that imports torch: COSEARCH_PYTHON, Debian's, or the one on PATH. */
export async function findTorchPython(): Promise<{ python: string } | { reason: string }> {
  const candidates = [process.env.COSEARCH_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (p): p is string => !!p,
  );
  for (const python of candidates) {
    const r = await runPython(python, ['-c', 'import torch, numpy']).catch((e: Error) => ({
      code: -1,
      stdout: '',
      stderr: e.message,
    }));
    if (r.code === 0) return { python };
  }
  return { reason: 'no python3 with torch and numpy (Debian: apt-get install python3-torch)' };
}

/** Runs python; resolves with its exit code and output (stderr also echoed when `echo`). */
export function runPython(
  python: string,
  args: string[],
  echo = false,
  threads = 1,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // OpenBLAS starts a thread per core unless told: on shared cores that oversubscribes them.
    const env = pytorchEnv({ OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) });
    const p = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
      if (echo) process.stderr.write(d);
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export { TORCH_SCRIPT };

interface RunFigures {
  testAccuracy: number;
  trainSeconds: number;
  examplesPerSec: number;
  params: number;
}

function parseArgs(args: string[]) {
  const num = (k: string): number | undefined => {
    const i = args.indexOf(`--${k}`);
    if (i < 0) return undefined;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} needs a positive integer`);
    return v;
  };
  const at = args.indexOf('--models');
  const models = at >= 0 ? (args[at + 1] ?? '').split(',') : ['r1', 'defaultChild'];
  for (const m of models)
    if (m !== 'r1' && m !== 'defaultChild')
      throw new Error(`--models: unknown model ${m} (r1, defaultChild)`);
  const epochs = num('epochs');
  const steps = num('steps');
  if (epochs !== undefined && steps !== undefined) throw new Error('give --epochs or --steps, not both');
  return { seeds: num('seeds') ?? 3, epochs, steps, models, threads: num('threads') ?? 1 };
}

export async function run(args: string[]): Promise<unknown> {
  const opt = parseArgs(args);
  const py = await findTorchPython();
  if ('reason' in py) throw new Error(py.reason);
  const info = await initBackend('auto');
  const recipe = FASHION_MNIST_RECIPE;
  const data = await loadDataset(DatasetSpec.parse(recipe.dataset), { seed: 0 });
  const training: TrainingSpec = {
    ...TrainingSpec.parse({
      ...recipe.training,
      ...(opt.epochs || opt.steps ? { epochs: opt.epochs, steps: opt.steps } : {}),
      augment: 'none',
      dropout: 0,
    }),
    // A benchmark run is one process, not one Lambda invocation: no wall-clock guard.
    maxSeconds: Number.POSITIVE_INFINITY,
  };
  const hp: Hyperparameters = { ...recipe.hyperparameters };
  const budget = childBudget(training, hp, data.train.n);
  const plan = childRecipe(training, hp);
  const models: Record<string, ParityModel> = {
    r1: { kind: 'r1' },
    defaultChild: { kind: 'mobile-cnn', arch: recipe.network },
  };
  const dir = mkdtempSync(join(tmpdir(), 'cosearch-parity-'));
  try {
    writeSplit(dir, 'train', data.train);
    writeSplit(dir, 'test', data.test);
    const parity: Record<string, unknown> = {};
    for (const name of opt.models) {
      const m = models[name]!;
      const ours: RunFigures[] = [];
      const theirs: RunFigures[] = [];
      for (let seed = 0; seed < opt.seeds; seed++) {
        const job = join(dir, `${name}-${seed}`);
        writeTorchJob(job, {
          model: m,
          data,
          training,
          hyperparameters: hp,
          seed,
          dataDir: dir,
          threads: opt.threads,
        });
        process.stderr.write(`parity: ${name} seed ${seed}: ${budget.steps} steps in both frameworks\n`);
        const torchRun = runPython(py.python, [TORCH_SCRIPT, 'train', job], true, opt.threads);
        const r = await trainChild({
          arch: recipe.network,
          ...(m.kind === 'r1' ? { buildNetwork: buildR1 } : {}),
          hyperparameters: hp,
          dataset: data,
          training,
          seed,
          onProgress: (p) =>
            process.stderr.write(`cosearch step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}\n`),
          progressEvery: 200,
        });
        if (r.status !== 'ok')
          throw new Error(`cosearch ${name} seed ${seed}: ${r.status} ${r.reason ?? ''}`);
        ours.push(r);
        const t = await torchRun;
        if (t.code !== 0)
          throw new Error(`PyTorch ${name} seed ${seed} failed: ${t.stderr.trim().split('\n').at(-1)}`);
        const tr = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as RunFigures;
        if (tr.params !== r.params)
          throw new Error(`${name}: PyTorch's twin has ${tr.params} parameters, cosearch's ${r.params}`);
        theirs.push(tr);
        rmSync(job, { recursive: true, force: true });
      }
      const figures = (rs: RunFigures[]) => ({
        testAccuracy: round(median(rs.map((r) => r.testAccuracy))),
        testAccuracyBySeed: rs.map((r) => round(r.testAccuracy)),
        trainSeconds: Number(median(rs.map((r) => r.trainSeconds)).toFixed(1)),
        examplesPerSec: Number(median(rs.map((r) => r.examplesPerSec)).toFixed(1)),
      });
      const points = (a: number, b: number) => Number((100 * (a - b)).toFixed(2));
      parity[name] = {
        params: ours[0]!.params,
        cosearch: figures(ours),
        pytorch: figures(theirs),
        // cosearch minus PyTorch in points: of the medians, and seed by seed (same init and data order).
        gapPoints: points(median(ours.map((r) => r.testAccuracy)), median(theirs.map((r) => r.testAccuracy))),
        gapPointsBySeed: ours.map((r, i) => points(r.testAccuracy, theirs[i]!.testAccuracy)),
      };
    }
    return {
      parity,
      recipe: {
        dataset: data.uri,
        train: data.train.n,
        test: data.test.n,
        optimizer: hp.optimizer,
        learningRate: hp.learningRate,
        weightDecay: hp.weightDecay,
        batchSize: budget.batchSize,
        steps: budget.steps,
        ...(budget.epochs !== undefined ? { epochs: budget.epochs } : {}),
        schedule: plan.schedule,
        warmupFraction: plan.warmupFraction,
        labelSmoothing: plan.labelSmoothing,
        augment: plan.augment,
        dropout: plan.dropout,
      },
      seeds: opt.seeds,
      backend: info.name,
      pytorchThreads: opt.threads,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Number(x.toFixed(4));
