// `npm run bench -- autohas [--dataset fashion|digits] [--seeds 5] [--epochs 2] [--train-samples 10000]
//   [--val-samples 1000] [--test-samples 3000] [--batch 64] [--supernet-children 1] [--warmup-fraction 0.5] [--val-batch 32] [--topk 1]
//   [--hp-mode sample|mix] [--hp-schedule cosine|constant] [--hp-reward accuracy|loss]
//   [--lookahead 1] [--random-pool 8] [--objectives accuracy|default]`
// Split across processes: `--first-seed N --seeds k`, `--seeds 0 --first-pool N --random-pool k`,
// then `npm run bench -- autohas --merge a.json b.json ...` (same config) joins their figures.
//
// Per seed: AutoHAS (a supernet trained for about `--supernet-children` children's training
// examples, then its top-k retrained from scratch as children, the best by validation accuracy
// reported on test) and its picked architecture retrained with the default hyper-parameters
// (the twin). Children train `--epochs` epochs with a cosine schedule (Fashion-MNIST: on a
// `--train-samples` subset, scored on the official test set).
// Random search is measured on a pool of independent random (arch, hp) children trained the same
// way: at AutoHAS's compute it keeps the best of as many children as that compute buys (by
// validation, scored on test; per seed a seeded draw from the pool, and the expectation over all
// draws), and its expected examples to reach AutoHAS's median test accuracy are one child's
// examples over the pool's share at or above it (geometric).
// The reward is accuracy alone by default (`--objectives accuracy`): the benchmark compares test
// accuracy. Compute is example passes: forward+backward examples of every training step
// (supernet weight and trial steps, mix-mode validation gradients, children) plus forward-only
// validation examples (supernet scoring, each child's validation split). Test passes are not counted.

import { readFile } from 'node:fs/promises';
import { deriveTopK } from '../core/autohas/run.js';
import {
  type AutohasOptions,
  autohasStep,
  createAutohasState,
  disposeAutohasState,
  warmupStep,
} from '../core/autohas/step.js';
import type { LoadedDataset, Split } from '../core/data/dataset.js';
import { loadDataset } from '../core/data/load.js';
import { DEFAULT_HYPERPARAMETERS } from '../core/network/defaults.js';
import { Rng } from '../core/rng.js';
import { softmax } from '../core/search/policy.js';
import { SearchSpace } from '../core/space/encoding.js';
import type { Hyperparameters, NetworkArch } from '../core/space/types.js';
import { DatasetSpec, SearchSpec, TrainingSpec } from '../core/spec/schema.js';
import { mean, median } from '../core/stats.js';
import { initBackend } from '../core/training/backend.js';
import { trainChild } from '../core/training/train.js';

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name}: not a number: ${args[i + 1]}`);
  return v;
}

function choice<T extends string>(args: string[], name: string, allowed: readonly T[], dflt: T): T {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1] as T;
  if (!allowed.includes(v)) throw new Error(`--${name}: one of ${allowed.join(', ')}, got ${v}`);
  return v;
}

export type BenchDataset = 'fashion' | 'digits';

/**
 * The searched space: small mobile CNNs, and hyper-parameters that matter for a few cosine epochs
 * (a learning rate over three decades, weight decay over three, label smoothing on or off).
 */
export function benchSpec(
  dataset: BenchDataset,
  seed: number,
  batch: number,
  objectives: 'accuracy' | 'default',
): SearchSpec {
  return SearchSpec.parse({
    name: `${dataset}-autohas-bench`,
    // accuracy: no cost objective has a target, so the reward is the accuracy.
    ...(objectives === 'accuracy' ? { objectives: { latencyMs: {} } } : {}),
    space: {
      network: {
        stages: 2,
        // One block type: a supernet over block types trains slowly (core/autohas/README.md).
        blockType: ['mbconv'],
        squeezeExcite: [false],
        stemFilters: [8, 16],
        kernel: [3, 5],
        expansion: [1, 3],
        filters: [16, 32],
        layers: [1, 2],
        stride: dataset === 'fashion' ? [2] : [1, 2],
      },
      hyperparameters: {
        learningRate: { min: 1e-4, max: 0.1, bases: 4 },
        weightDecay: { min: 1e-5, max: 1e-2, bases: 3 },
        labelSmoothing: [0, 0.1],
        batchSize: [batch],
      },
    },
    strategy: { name: 'autohas', seed },
    training: { batchSize: batch },
  });
}

function datasetSpec(dataset: BenchDataset, trainSamples: number): DatasetSpec {
  return DatasetSpec.parse(
    dataset === 'fashion'
      ? { uri: 'builtin:fashion-mnist', format: 'builtin', maxTrainSamples: trainSamples }
      : {},
  );
}

export interface Child {
  valAccuracy: number;
  testAccuracy: number;
  examples: number;
}

/** One seed of AutoHAS: its pick, the default-hp twin, and their costs. */
export interface SeedRecord {
  seed: number;
  examples: number;
  examplesWithTwin: number;
  supernetExamples: number;
  supernetValAccuracy: number;
  val: number;
  test: number;
  defaultHpVal: number;
  defaultHpTest: number;
  /** The better of the pick and the twin by validation accuracy: what a user should keep. */
  safeguardedTest: number;
  lrProbabilities: number[];
  top: unknown;
}

async function train(
  data: LoadedDataset,
  arch: NetworkArch,
  hp: Hyperparameters,
  epochs: number,
  seed: number,
): Promise<Child> {
  const r = await trainChild({
    arch,
    hyperparameters: hp,
    dataset: data,
    // One process, not one Lambda invocation: no wall-clock guard cuts a child short here.
    training: { ...TrainingSpec.parse({ epochs, schedule: 'cosine' }), maxSeconds: Number.POSITIVE_INFINITY },
    seed,
  });
  const bs = Math.min(hp.batchSize, data.train.n);
  return {
    valAccuracy: r.status === 'ok' ? r.valAccuracy : 0,
    testAccuracy: r.status === 'ok' ? r.testAccuracy : 0,
    examples: r.stepsDone * bs + (r.status === 'ok' ? data.val.n : 0),
  };
}

/** The first n examples of a split (validation is a seeded draw; the Fashion-MNIST test file is not sorted by class). */
function head(s: Split, n: number, shape: readonly [number, number, number]): Split {
  if (n >= s.n) return s;
  const px = shape[0] * shape[1] * shape[2];
  return { ...s, x: s.x.slice(0, n * px), y: s.y.slice(0, n), n };
}

const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, min: s[0], q25: q(0.25), median: median(s), q75: q(0.75), max: s[s.length - 1] };
};

/** The best child by validation accuracy among `m` drawn without replacement from the pool. */
function bestOf(pool: readonly Child[], m: number, rng: Rng): Child {
  const picked = rng.shuffle(pool.map((_, i) => i)).slice(0, Math.min(m, pool.length));
  return picked.map((i) => pool[i]!).reduce((b, c) => (c.valAccuracy > b.valAccuracy ? c : b));
}

/**
 * Supernet steps whose example passes match `children` children's training examples: a share
 * `warmupFraction` of them on warm-up steps (a weight batch each), the rest on full steps (a
 * weight batch, `lookahead` trial batches, the validation batch scored twice).
 */
export function supernetSteps(
  childTrainExamples: number,
  children: number,
  o: { batch: number; valBatch: number; lookahead: number; warmupFraction: number },
): { warmup: number; steps: number } {
  const budget = children * childTrainExamples;
  const warmup = Math.round((o.warmupFraction * budget) / o.batch);
  const full = o.batch * (1 + o.lookahead) + 2 * o.valBatch;
  const rest = Math.max(2, Math.round(((1 - o.warmupFraction) * budget) / full));
  return { warmup, steps: warmup + rest };
}

/** Pieces of a run (seeds, pool children) from several processes, summarized as one. */
async function merge(files: string[]): Promise<unknown> {
  const parts = await Promise.all(
    files.map(async (f) => {
      // `npm run` may have written its banner before the JSON: start at the top-level brace.
      const text = await readFile(f, 'utf8');
      const at = text.startsWith('{') ? 0 : text.indexOf('\n{') + 1;
      return JSON.parse(text.slice(at)) as ReturnType<typeof summarize>;
    }),
  );
  const config = parts[0]!.config;
  for (const [i, p] of parts.entries())
    if (JSON.stringify(p.config) !== JSON.stringify(config))
      throw new Error(`--merge: ${files[i]} was run with another config than ${files[0]}`);
  return summarize(
    config,
    parts.flatMap((p) => p.autohas.perSeed),
    parts.flatMap((p) => p.random.pool.perChild),
  );
}

export async function run(args: string[]): Promise<unknown> {
  const m = args.indexOf('--merge');
  if (m >= 0) return merge(args.slice(m + 1));
  const dataset = choice(args, 'dataset', ['fashion', 'digits'] as const, 'fashion');
  const seeds = arg(args, 'seeds', 5);
  // Several processes can share a run: seeds firstSeed.., pool children firstPool.. (--merge joins them).
  const firstSeed = arg(args, 'first-seed', 0);
  const firstPool = arg(args, 'first-pool', 0);
  const epochs = arg(args, 'epochs', dataset === 'fashion' ? 2 : 3);
  const trainSamples = arg(args, 'train-samples', 5000);
  // Every child scores its validation and test splits in fp32 and int8: capped, they cost less.
  const valSamples = arg(args, 'val-samples', 1000);
  const testSamples = arg(args, 'test-samples', 3000);
  const batch = arg(args, 'batch', dataset === 'fashion' ? 64 : 32);
  const valBatch = arg(args, 'val-batch', 32);
  const supernetChildren = arg(args, 'supernet-children', 1);
  const warmupFraction = arg(args, 'warmup-fraction', 0.5);
  const topk = arg(args, 'topk', 1);
  const poolSize = arg(args, 'random-pool', 8);
  const hpMode = choice(args, 'hp-mode', ['sample', 'mix'] as const, 'sample');
  const hpSchedule = choice(args, 'hp-schedule', ['constant', 'cosine'] as const, 'cosine');
  const hpReward = choice(args, 'hp-reward', ['accuracy', 'loss'] as const, 'accuracy');
  const lookahead = arg(args, 'lookahead', 1);
  const objectives = choice(args, 'objectives', ['accuracy', 'default'] as const, 'accuracy');
  const backend = await initBackend();
  const full = await loadDataset(datasetSpec(dataset, trainSamples), { seed: 0 });
  const data: LoadedDataset = {
    ...full,
    val: head(full.val, valSamples, full.shape),
    test: head(full.test, testSamples, full.shape),
  };
  const t0 = performance.now();
  const log = (m: string) =>
    process.stderr.write(`[autohas ${((performance.now() - t0) / 1000).toFixed(0)} s] ${m}\n`);

  const childTrainExamples = epochs * Math.ceil(data.train.n / batch) * Math.min(batch, data.train.n);
  const childExamples = childTrainExamples + data.val.n;
  const { steps, warmup } = supernetSteps(childTrainExamples, supernetChildren, {
    batch,
    valBatch,
    lookahead,
    warmupFraction,
  });
  const options: Partial<AutohasOptions> = {
    batchSize: batch,
    hpMode,
    // The warm-up runs weight steps alone (warmupStep); the controller learns from the first full step.
    warmupSteps: 0,
    valBatchSize: valBatch,
    hpSchedule,
    scheduleSteps: steps,
    hpReward,
    lookahead,
  };
  const defaultHp = (): Hyperparameters => ({ ...DEFAULT_HYPERPARAMETERS, batchSize: batch });

  const autohas: SeedRecord[] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const spec = benchSpec(dataset, seed, batch, objectives);
    const s = createAutohasState(spec, data, options);
    // The supernet's own validation accuracy (shared weights, sampled sub-networks), last quarter.
    const before: number[] = [];
    for (let i = 0; i < warmup; i++) warmupStep(s);
    for (let i = warmup; i < steps; i++) {
      const a = autohasStep(s).controller.accuracyBefore;
      if (i >= steps - Math.ceil(steps / 4) && a !== undefined) before.push(a);
    }
    const supernetValAccuracy = before.length ? mean(before) : 0;
    const top = deriveTopK(s, topk);
    const lrAt = s.controller.controlled.indexOf(s.space.indexOf('hyperparameters.learningRate'));
    const lrProbabilities = softmax(s.controller.logits[lrAt]!).map((p) => Number(p.toFixed(3)));
    const supernetExamples = s.trainExamples + s.evalExamples;
    let examples = supernetExamples;
    disposeAutohasState(s);
    log(
      `seed ${seed}: supernet ${steps} steps, val acc ${supernetValAccuracy.toFixed(3)}, p(lr) ${lrProbabilities}`,
    );
    let best: (Child & { i: number }) | undefined;
    for (const [i, t] of top.entries()) {
      const c = await train(data, t.candidate.network, t.candidate.hyperparameters, epochs, seed);
      examples += c.examples;
      if (!best || c.valAccuracy > best.valAccuracy) best = { ...c, i };
    }
    const pick = top[best!.i]!;
    const twin = await train(data, pick.candidate.network, defaultHp(), epochs, seed);
    log(
      `seed ${seed}: pick lr ${pick.hp.learningRate} wd ${pick.hp.weightDecay} ls ${pick.hp.labelSmoothing} test ${best!.testAccuracy.toFixed(4)}, default hp ${twin.testAccuracy.toFixed(4)}`,
    );
    autohas.push({
      seed,
      examples,
      examplesWithTwin: examples + twin.examples,
      supernetExamples,
      supernetValAccuracy,
      val: best!.valAccuracy,
      test: best!.testAccuracy,
      defaultHpVal: twin.valAccuracy,
      defaultHpTest: twin.testAccuracy,
      safeguardedTest: twin.valAccuracy > best!.valAccuracy ? twin.testAccuracy : best!.testAccuracy,
      lrProbabilities,
      top: { network: pick.candidate.network, hp: pick.hp, accelerator: pick.candidate.accelerator },
    });
  }
  // The random pool: independent (arch, hp) children, each with its own training seed.
  const pool: Child[] = [];
  const poolRng = Rng.fromSeed('bench-random-pool');
  const poolSpace = new SearchSpace(benchSpec(dataset, 0, batch, objectives));
  for (let i = 0; i < firstPool + poolSize; i++) {
    const c = poolSpace.sample(poolRng);
    if (i < firstPool) continue;
    pool.push(await train(data, c.network, c.hyperparameters, epochs, i));
    log(
      `random child ${i + 1}/${firstPool + poolSize}: test ${pool[pool.length - 1]!.testAccuracy.toFixed(4)}`,
    );
  }
  const config = {
    dataset,
    epochs,
    trainSamples: data.train.n,
    valSamples: data.val.n,
    testSamples: data.test.n,
    batch,
    valBatch,
    childExamples,
    supernetSteps: steps,
    warmupSteps: warmup,
    supernetChildren,
    topK: topk,
    hpMode,
    hpSchedule,
    hpReward,
    lookahead,
    objectives,
  };
  return {
    backend: backend.name,
    ...summarize(config, autohas, pool),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The bench's figures from AutoHAS's seeds and the random pool. Random search at a compute keeps
 * the best of as many pool children as it buys (by validation; per seed a seeded draw, and the
 * expectation over 2,000 draws); its examples to reach an accuracy are one child's examples over
 * the pool's share at or above it (geometric). Seeds and pool children may be empty.
 */
export function summarize(config: { childExamples: number }, autohas: SeedRecord[], pool: Child[]) {
  const med = (xs: number[]) => (xs.length ? median(xs) : null);
  const target = med(autohas.map((a) => a.test));
  const safeTarget = med(autohas.map((a) => a.safeguardedTest));
  const autoEx = med(autohas.map((a) => a.examples));
  const autoExTwin = med(autohas.map((a) => a.examplesWithTwin));
  const perChild = pool.length ? mean(pool.map((c) => c.examples)) : config.childExamples;
  const share = (a: number) => pool.filter((c) => c.testAccuracy >= a).length / Math.max(1, pool.length);
  const atCompute = (examples: number | null) => {
    if (!pool.length || examples === null) return null;
    const m = Math.max(1, Math.floor(examples / perChild));
    const perSeed = autohas.map((a) => bestOf(pool, m, Rng.fromSeed(`bench-random:${a.seed}`)).testAccuracy);
    const draws = Array.from(
      { length: 2000 },
      (_, i) => bestOf(pool, m, Rng.fromSeed(`bench-random-expect:${i}`)).testAccuracy,
    );
    return { children: m, median: med(perSeed), perSeed, expected: mean(draws) };
  };
  const toReach = (a: number | null) =>
    a !== null && pool.length && share(a) > 0 ? perChild / share(a) : null;
  const ratio = (r: number | null, a: number | null) => (r === null || a === null ? null : r / a);
  const randEx = toReach(target);
  const randExSafe = toReach(safeTarget);
  const children = (x: number | null) => (x === null ? null : Number((x / config.childExamples).toFixed(2)));
  return {
    config,
    seeds: autohas.map((a) => a.seed),
    autohas: {
      testAccuracy: { median: target },
      trainingExamples: { median: autoEx },
      trainingChildren: { median: children(autoEx) },
      supernetExamples: { median: med(autohas.map((a) => a.supernetExamples)) },
      supernetValAccuracy: { median: med(autohas.map((a) => a.supernetValAccuracy)) },
      perSeed: autohas,
    },
    defaultHp: {
      testAccuracy: { median: med(autohas.map((a) => a.defaultHpTest)) },
      autohasAtLeastDefaultSeeds: autohas.filter((a) => a.test >= a.defaultHpTest).length,
    },
    safeguarded: {
      note: "AutoHAS's pick or its default-hp twin, whichever validates better; the cost includes the twin",
      testAccuracy: { median: safeTarget },
      trainingExamples: { median: autoExTwin },
      trainingChildren: { median: children(autoExTwin) },
      atLeastDefaultSeeds: autohas.filter((a) => a.safeguardedTest >= a.defaultHpTest).length,
      random: {
        testAccuracyAtEqualCompute: atCompute(autoExTwin),
        trainingExamplesToReachAccuracy: { median: randExSafe },
      },
      computeRatioRandomOverAutohas: ratio(randExSafe, autoExTwin),
    },
    random: {
      testAccuracyAtEqualCompute: atCompute(autoEx),
      trainingExamplesToReachAutohasAccuracy: { median: randEx },
      note:
        pool.length && randEx === null
          ? "no child of the pool reached AutoHAS's median accuracy: random's cost is above the pool's"
          : undefined,
      pool: {
        children: pool.length,
        examplesPerChild: perChild,
        testAccuracy: pool.length ? quantiles(pool.map((c) => c.testAccuracy)) : null,
        shareAtOrAboveAutohasAccuracy: target === null ? null : share(target),
        perChild: pool,
      },
    },
    computeRatioRandomOverAutohas: ratio(randEx, autoEx),
    searchCostAtMostThreeChildren: autoExTwin === null ? null : autoExTwin <= 3 * config.childExamples,
  };
}
