// `npm run bench -- autohas [--seeds 5] [--steps 40] [--retrain-steps 60] [--topk 2]
//   [--random-trials 8] [--batch 32] [--hp-mode sample|mix]`
//
// On digits, per seed: AutoHAS (supernet steps, then its top-k retrained from scratch with the
// trainer, the best by validation accuracy reported on test); random search over (arch, hp) with
// the same trainer and the same per-child budget, until its best-by-validation child reaches
// AutoHAS's median test accuracy or its trial budget runs out; and AutoHAS's top-1 arch retrained
// with the default hyper-parameters.
// Compute is example passes: forward+backward examples of every training step (supernet weight
// steps, temporary-weight trial steps, mix-mode validation gradients, retraining) plus forward-only
// validation examples (supernet scoring, each child's validation split). Test passes are not counted.
import { deriveTopK } from '../core/autohas/run.js';
import { autohasStep, createAutohasState, disposeAutohasState } from '../core/autohas/step.js';
import type { LoadedDataset } from '../core/data/dataset.js';
import { loadDataset } from '../core/data/load.js';
import { DEFAULT_HYPERPARAMETERS } from '../core/network/defaults.js';
import { Rng } from '../core/rng.js';
import { SearchSpace } from '../core/space/encoding.js';
import type { Hyperparameters, NetworkArch } from '../core/space/types.js';
import { DatasetSpec, SearchSpec, TrainingSpec } from '../core/spec/schema.js';
import { initBackend } from '../core/training/backend.js';
import { trainChild } from '../core/training/train.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

function benchSpec(seed: number, batch: number): SearchSpec {
  return SearchSpec.parse({
    space: {
      network: {
        stages: 2,
        stemFilters: [8, 16],
        kernel: [3, 5],
        expansion: [1, 3],
        filters: [16, 24],
        layers: [1, 2],
        stride: [1, 2],
      },
      hyperparameters: {
        learningRate: { min: 3e-4, max: 0.1, bases: 5 },
        weightDecay: { min: 1e-6, max: 1e-2, bases: 3 },
        batchSize: [batch],
      },
    },
    strategy: { name: 'autohas', seed, learningRate: 0.1 },
    training: { batchSize: batch },
  });
}

interface Child {
  valAccuracy: number;
  testAccuracy: number;
  examples: number;
}

async function train(
  data: LoadedDataset,
  arch: NetworkArch,
  hp: Hyperparameters,
  steps: number,
  seed: number,
): Promise<Child> {
  const r = await trainChild({
    arch,
    hyperparameters: hp,
    dataset: data,
    training: TrainingSpec.parse({ steps }),
    seed,
  });
  const bs = Math.min(hp.batchSize, data.train.n);
  return {
    valAccuracy: r.status === 'ok' ? r.valAccuracy : 0,
    testAccuracy: r.status === 'ok' ? r.testAccuracy : 0,
    examples: r.stepsDone * bs + (r.status === 'ok' ? data.val.n : 0),
  };
}

export async function run(args: string[]): Promise<unknown> {
  const seeds = arg(args, 'seeds', 5);
  const steps = arg(args, 'steps', 40);
  const retrain = arg(args, 'retrain-steps', 60);
  const topk = arg(args, 'topk', 2);
  const randomTrials = arg(args, 'random-trials', 8);
  const batch = arg(args, 'batch', 32);
  const hpMode = args.includes('mix') ? 'mix' : 'sample';
  const backend = await initBackend();
  const data = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
  const t0 = performance.now();

  const autohas: { examples: number; test: number; defaultHpTest: number; top: unknown }[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const spec = benchSpec(seed, batch);
    const s = createAutohasState(spec, data, { batchSize: batch, hpMode });
    for (let i = 0; i < steps; i++) autohasStep(s);
    const top = deriveTopK(s, topk);
    let examples = s.trainExamples + s.evalExamples;
    disposeAutohasState(s);
    let best: (Child & { i: number }) | undefined;
    for (const [i, t] of top.entries()) {
      const c = await train(data, t.candidate.network, t.candidate.hyperparameters, retrain, seed);
      examples += c.examples;
      if (!best || c.valAccuracy > best.valAccuracy) best = { ...c, i };
    }
    const pick = top[best!.i]!;
    const dflt = await train(
      data,
      pick.candidate.network,
      { ...DEFAULT_HYPERPARAMETERS, batchSize: batch },
      retrain,
      seed,
    );
    autohas.push({
      examples,
      test: best!.testAccuracy,
      defaultHpTest: dflt.testAccuracy,
      top: { network: pick.candidate.network, hp: pick.hp, accelerator: pick.candidate.accelerator },
    });
  }
  const target = median(autohas.map((a) => a.test));

  const random: { examplesToReach: number | null; totalExamples: number; bestTest: number }[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const space = new SearchSpace(benchSpec(seed, batch));
    const rng = Rng.fromSeed(`bench-random:${seed}`);
    let examples = 0;
    let bestVal = -1;
    let bestTest = 0;
    let reached: number | null = null;
    for (let t = 0; t < randomTrials && reached === null; t++) {
      const c = space.sample(rng);
      const r = await train(data, c.network, c.hyperparameters, retrain, seed);
      examples += r.examples;
      if (r.valAccuracy > bestVal) {
        bestVal = r.valAccuracy;
        bestTest = r.testAccuracy;
      }
      if (bestTest >= target) reached = examples;
    }
    random.push({ examplesToReach: reached, totalExamples: examples, bestTest });
  }
  const reachedAll = random.every((r) => r.examplesToReach !== null);
  const autoEx = median(autohas.map((a) => a.examples));
  const randEx = median(random.map((r) => r.examplesToReach ?? r.totalExamples));
  return {
    backend: backend.name,
    seeds,
    config: { steps, retrainSteps: retrain, topK: topk, randomTrials, batch, hpMode },
    autohas: {
      trainingExamples: { median: autoEx },
      testAccuracy: { median: target },
      defaultHpTestAccuracy: { median: median(autohas.map((a) => a.defaultHpTest)) },
      perSeed: autohas,
    },
    random: {
      trainingExamplesToReachAutohasAccuracy: { median: randEx },
      reachedInAllSeeds: reachedAll,
      note: reachedAll
        ? undefined
        : 'random did not reach AutoHAS median accuracy in every seed; those seeds count their total examples (a lower bound)',
      bestTestAccuracy: { median: median(random.map((r) => r.bestTest)) },
      perSeed: random,
    },
    computeRatioRandomOverAutohas: randEx / autoEx,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
