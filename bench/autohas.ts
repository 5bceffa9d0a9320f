// `npm run bench -- autohas [--dataset fashion|digits] [--seeds 5] [--epochs 2] [--train-samples 10000]
//   [--val-samples 1000] [--test-samples 3000] [--batch 64] [--supernet-children 1] [--warmup-fraction 0.5] [--val-batch 32] [--topk 1]
//   [--hp-mode sample|mix] [--hp-schedule cosine|constant] [--hp-reward loss|accuracy]
//   [--lookahead 1] [--sandwich 0|1] [--final retrain|finetune] [--twin 1|0] [--random-pool 8]
//   [--objectives accuracy|default]`
// Split across processes: `--first-seed N --seeds k`, `--seeds 0 --first-pool N --random-pool k`,
// then `npm run bench -- autohas --merge a.json b.json ...` (same config) joins their figures.
//
// Per seed: AutoHAS (a supernet trained for about `--supernet-children` children's training
// examples, then its top-k trained as children, retrained from scratch or fine-tuned from the
// supernet's weights (`--final`), the best by validation accuracy is the pick) and the pick's
// architecture trained from scratch with the default hyper-parameters (the twin). The search's
// output is whichever of the pick and the twin validates better: `autohas` reports it, with the
// twin's cost; `autohasPick` reports the pick alone (`--twin 0` skips the twin: output = pick).
// Children train `--epochs` epochs with a cosine schedule (Fashion-MNIST: on a
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
import { fineTuneBuilder, type SubnetWeights, subnetWeights } from '../core/autohas/finetune.js';
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

/** One seed of AutoHAS: its pick, the default-hp twin, the search's output and their costs. */
export interface SeedRecord {
  seed: number;
  /** Supernet and the top-k's training: the pick alone. */
  examples: number;
  /** The whole search: with the twin when it was trained. */
  examplesWithTwin: number;
  supernetExamples: number;
  supernetValAccuracy: number;
  /** The pick's validation and test accuracy. */
  val: number;
  test: number;
  defaultHpVal: number | null;
  defaultHpTest: number | null;
  /** The search's output: the better of the pick and the twin by validation accuracy. */
  output: 'pick' | 'defaultHp';
  outputTest: number;
  lrProbabilities: number[];
  top: unknown;
}

async function train(
  data: LoadedDataset,
  arch: NetworkArch,
  hp: Hyperparameters,
  epochs: number,
  seed: number,
  init?: SubnetWeights,
): Promise<Child> {
  const r = await trainChild({
    arch,
    ...(init ? { buildNetwork: fineTuneBuilder(arch, init) } : {}),
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
  o: { batch: number; valBatch: number; lookahead: number; warmupFraction: number; sandwich?: boolean },
): { warmup: number; steps: number } {
  const budget = children * childTrainExamples;
  // The sandwich rule trains up to three sub-networks per weight step.
  const weight = o.batch * (o.sandwich ? 3 : 1);
  const warmup = Math.round((o.warmupFraction * budget) / weight);
  const full = weight + o.batch * o.lookahead + 2 * o.valBatch;
  const rest = Math.max(2, Math.round(((1 - o.warmupFraction) * budget) / full));
  return { warmup, steps: warmup + rest };
}

/** The config keys that fix how a child trains (and so what a random pool child is). */
const CHILD_CONFIG_KEYS = [
  'dataset',
  'epochs',
  'trainSamples',
  'valSamples',
  'testSamples',
  'batch',
  'childExamples',
] as const;

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
  // Pool children depend only on how a child trains; AutoHAS seeds also on the search's settings.
  const childConfig = (c: Record<string, unknown>) => JSON.stringify(CHILD_CONFIG_KEYS.map((k) => c[k]));
  const withSeeds = parts.filter((p) => p.autohas.perSeed.length > 0);
  const config = (withSeeds[0] ?? parts[0]!).config;
  for (const [i, p] of parts.entries()) {
    const same = p.autohas.perSeed.length
      ? JSON.stringify(p.config) === JSON.stringify(config)
      : childConfig(p.config) === childConfig(config);
    if (!same) throw new Error(`--merge: ${files[i]} was run with another config than the others`);
  }
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
  const hpReward = choice(args, 'hp-reward', ['loss', 'accuracy'] as const, 'loss');
  const lookahead = arg(args, 'lookahead', 1);
  const sandwich = arg(args, 'sandwich', 0) === 1;
  const final = choice(args, 'final', ['retrain', 'finetune'] as const, 'retrain');
  const withTwin = arg(args, 'twin', 1) === 1;
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
    sandwich,
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
    sandwich,
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
    const inits = top.map((t) =>
      final === 'finetune' ? subnetWeights(s.supernet, t.candidate.network) : undefined,
    );
    disposeAutohasState(s);
    log(
      `seed ${seed}: supernet ${steps} steps, val acc ${supernetValAccuracy.toFixed(3)}, p(lr) ${lrProbabilities}`,
    );
    let best: (Child & { i: number }) | undefined;
    for (const [i, t] of top.entries()) {
      const c = await train(data, t.candidate.network, t.candidate.hyperparameters, epochs, seed, inits[i]);
      examples += c.examples;
      if (!best || c.valAccuracy > best.valAccuracy) best = { ...c, i };
    }
    const pick = top[best!.i]!;
    const twin = withTwin ? await train(data, pick.candidate.network, defaultHp(), epochs, seed) : undefined;
    // Ties go to the pick: the twin must validate strictly better to replace it.
    const output = twin && twin.valAccuracy > best!.valAccuracy ? 'defaultHp' : 'pick';
    log(
      `seed ${seed}: pick lr ${pick.hp.learningRate} wd ${pick.hp.weightDecay} ls ${pick.hp.labelSmoothing} val ${best!.valAccuracy.toFixed(4)} test ${best!.testAccuracy.toFixed(4)}, default hp val ${twin?.valAccuracy.toFixed(4)} test ${twin?.testAccuracy.toFixed(4)}, output ${output}`,
    );
    autohas.push({
      seed,
      examples,
      examplesWithTwin: examples + (twin?.examples ?? 0),
      supernetExamples,
      supernetValAccuracy,
      val: best!.valAccuracy,
      test: best!.testAccuracy,
      defaultHpVal: twin?.valAccuracy ?? null,
      defaultHpTest: twin?.testAccuracy ?? null,
      output,
      outputTest: output === 'defaultHp' ? twin!.testAccuracy : best!.testAccuracy,
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
    sandwich,
    final,
    twin: withTwin,
    objectives,
  };
  return {
    backend: backend.name,
    ...summarize(config, autohas, pool),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The bench's figures from AutoHAS's seeds and the random pool. `autohas` is the search's output
 * (the better of the pick and the default-hp twin by validation, at the cost of both), as the
 * issue's keys ask; `autohasPick` is the controller's pick alone, at its own cost. Random search
 * at a compute keeps the best of as many pool children as it buys (by validation; per seed a
 * seeded draw, and the expectation over 2,000 draws); its examples to reach an accuracy are one
 * child's examples over the pool's share at or above it (geometric). Seeds and pool may be empty.
 */
export function summarize(config: { childExamples: number }, autohas: SeedRecord[], pool: Child[]) {
  const med = (xs: number[]) => (xs.length ? median(xs) : null);
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
  const children = (x: number | null) => (x === null ? null : Number((x / config.childExamples).toFixed(2)));
  const withDefault = autohas.filter((a) => a.defaultHpTest !== null);
  const atLeastDefault = (acc: (a: SeedRecord) => number) =>
    withDefault.filter((a) => acc(a) >= a.defaultHpTest!).length;
  // One search's figures at its accuracy and cost.
  const figures = (acc: (a: SeedRecord) => number, cost: (a: SeedRecord) => number) => {
    const target = med(autohas.map(acc));
    const examples = med(autohas.map(cost));
    const randEx = toReach(target);
    return {
      testAccuracy: { median: target, perSeed: autohas.map(acc) },
      trainingExamples: { median: examples },
      trainingChildren: { median: children(examples) },
      atLeastDefaultHpSeeds: atLeastDefault(acc),
      random: {
        testAccuracyAtEqualCompute: atCompute(examples),
        trainingExamplesToReachAutohasAccuracy: { median: randEx },
      },
      computeRatioRandomOverAutohas: ratio(randEx, examples),
      target,
      randEx,
    };
  };
  const out = figures(
    (a) => a.outputTest,
    (a) => a.examplesWithTwin,
  );
  const pick = figures(
    (a) => a.test,
    (a) => a.examples,
  );
  const { target, randEx, ...pickFigures } = pick;
  return {
    config,
    seeds: autohas.map((a) => a.seed),
    autohas: {
      note: "the search's output: the controller's pick or its default-hp twin, whichever validates better; the cost includes both",
      testAccuracy: out.testAccuracy,
      trainingExamples: out.trainingExamples,
      trainingChildren: out.trainingChildren,
      atLeastDefaultHpSeeds: out.atLeastDefaultHpSeeds,
      outputIsPickSeeds: autohas.filter((a) => a.output === 'pick').length,
      supernetExamples: { median: med(autohas.map((a) => a.supernetExamples)) },
      supernetValAccuracy: { median: med(autohas.map((a) => a.supernetValAccuracy)) },
      perSeed: autohas,
    },
    autohasPick: {
      note: "the controller's pick alone, at its own cost (supernet and the top-k's training)",
      ...pickFigures,
    },
    defaultHp: {
      testAccuracy: { median: med(withDefault.map((a) => a.defaultHpTest!)) },
    },
    random: {
      testAccuracyAtEqualCompute: out.random.testAccuracyAtEqualCompute,
      trainingExamplesToReachAutohasAccuracy: out.random.trainingExamplesToReachAutohasAccuracy,
      note:
        pool.length && out.randEx === null
          ? "no child of the pool reached AutoHAS's median accuracy: random's cost is above the pool's"
          : undefined,
      pool: {
        children: pool.length,
        examplesPerChild: perChild,
        testAccuracy: pool.length ? quantiles(pool.map((c) => c.testAccuracy)) : null,
        shareAtOrAboveAutohasAccuracy: out.target === null ? null : share(out.target),
        shareAtOrAbovePickAccuracy: target === null ? null : share(target),
        perChild: pool,
      },
    },
    computeRatioRandomOverAutohas: out.computeRatioRandomOverAutohas,
    searchCostAtMostThreeChildren:
      out.trainingExamples.median === null ? null : out.trainingExamples.median <= 3 * config.childExamples,
  };
}
