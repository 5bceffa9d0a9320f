// What a search costs on AWS, before it starts (estimateCost) and as it runs (costSoFar).
// Pure arithmetic over documented constants: list prices and per-backend training throughput.
import { builtinDataset } from '../data/builtins.js';
import { LOOP_LIMITS } from '../engine/limits.js';
import { summarizeNetwork } from '../network/summary.js';
import { Rng } from '../rng.js';
import { SearchSpace } from '../space/encoding.js';
import { childBudget, searchPlan } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';
import {
  type BackendName,
  DEFAULT_TRAINER_PACKAGING,
  TRAINER_BACKEND,
  TRAINER_LAMBDA,
} from '../training/backends.js';

/** us-east-1 list prices (USD), Nov 2026. */
export const PRICES = {
  lambdaGBSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  lambdaRequest: 0.2 / 1e6,
  /** Standard workflows, per state transition. */
  sfnTransition: 0.000025,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
} as const;

/**
 * Training throughput per backend, in multiply-accumulates per second (forward and backward
 * counted as 3x the forward MACs), plus a fixed per-child overhead (model build, data load,
 * evaluation). From `npm run bench -- trainer` (reference model R1, 693k forward MACs, so 2.08M
 * MACs per example; batch 64, medians, 2-core x86 machine, one thread): plain tfjs cpu about 4.4
 * examples/s; `cpu+js` (the zip Lambda's) about 260; `cpu+native` about 3,400 on a quiet
 * machine. tfjs-node cannot install here; its figure is PyTorch-CPU's on the same machine (about
 * 4,200 examples/s), as a stand-in for native libtensorflow.
 */
export const TRAINING_THROUGHPUT: Record<BackendName, { macsPerSecond: number; overheadSeconds: number }> = {
  tensorflow: { macsPerSecond: 8.7e9, overheadSeconds: 5 },
  'cpu+native': { macsPerSecond: 7e9, overheadSeconds: 3 },
  // The zip Lambda's, on 2 kernel threads (TrainChild at 2 vCPUs, STEP_PROFILE.trainerMemoryGB).
  // bench trainer, medians of 5 interleaved rounds on the 2-core x86 VM (load average about 15):
  // one thread 24.6 CPU-ms a step, so 2,600 examples per CPU-second (0.87x cpu+native in CPU
  // time, 0.85x in wall time), and 2 threads 1.47x one thread. Lambda's arm64 runs the same
  // module through V8's arm64 SIMD; that was not measured here.
  'cpu+wasm': { macsPerSecond: 7.9e9, overheadSeconds: 3 },
  'cpu+js': { macsPerSecond: 5.4e8, overheadSeconds: 3 },
  cpu: { macsPerSecond: 9e6, overheadSeconds: 3 },
};

/** What an estimate prices when not told otherwise: the default cloud deployment's trainer. */
export const DEFAULT_COST_BACKEND: BackendName = TRAINER_BACKEND[DEFAULT_TRAINER_PACKAGING];

/** Memory and duration of the non-training steps, as deployed by infra/stack.ts. */
export const STEP_PROFILE = {
  // TrainChild as deployed: 2 vCPUs running 2 kernel threads (why: TRAINER_LAMBDA).
  trainerMemoryGB: TRAINER_LAMBDA.memoryMB / 1024,
  simulateMemoryGB: 1,
  simulateSeconds: 0.5,
  loopStepMemoryGB: 0.5,
  loopStepSeconds: 1,
  initFinalizeMemoryGB: 1,
  initFinalizeSeconds: 2,
} as const;

/** State transitions and S3 requests per unit of work (from infra/state-machine.ts and core/engine). */
export const WORK_PROFILE = {
  transitionsPerChild: 5,
  transitionsPerIteration: 6,
  transitionsPerExecution: 4,
  /** SupernetChunk and the Supernet? choice. */
  transitionsPerSupernetChunk: 2,
  s3PerChild: { put: 6, get: 12 },
  s3PerIteration: { put: 6, get: 8 },
  s3PerExecution: { put: 2, get: 6 },
} as const;

/** An assumed size for a dataset not read yet. */
const UNKNOWN_TRAIN_SAMPLES = 10_000;
const UNKNOWN_SHAPE: [number, number, number] = [28, 28, 1];

export interface CostOptions {
  backend?: BackendName;
}

export interface CostBreakdown {
  totalUSD: number;
  lambdaUSD: number;
  stepFunctionsUSD: number;
  s3USD: number;
  lambdaGBSeconds: number;
  lambdaRequests: number;
  transitions: number;
  s3Requests: { put: number; get: number };
  candidates: number;
  iterations: number;
  trainSeconds: number;
}

export interface CostEstimate extends CostBreakdown {
  backend: BackendName;
  perChildTrainSeconds: number;
  meanForwardMacs: number;
  trainExamplesPerChild: number;
  assumptions: string[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** What the estimate knows of the dataset before reading it: built-ins exactly, others assumed. */
function datasetFacts(spec: SearchSpec): { shape: [number, number, number]; classes: number; train: number } {
  const d = spec.dataset;
  const b = builtinDataset(d.uri);
  const shape = b?.shape ?? d.shape ?? UNKNOWN_SHAPE;
  const classes = b?.numClasses ?? d.numClasses ?? 10;
  const full = b ? Math.floor(b.trainExamples * d.splits.train) : UNKNOWN_TRAIN_SAMPLES;
  return { shape, classes, train: Math.min(full, d.maxTrainSamples ?? full) };
}

/** The mean child of a spec: forward MACs and training examples, and the mean of their product. */
export interface ChildWork {
  meanForwardMacs: number;
  meanExamples: number;
  /** Mean of forwardMacs × examples over the sample: what training time is proportional to. */
  meanMacExamples: number;
}

/**
 * Averaged over a fixed, seeded sample of the space (the estimate never varies by run); each
 * sampled child's examples come from childBudget with its own hyper-parameters (batch size, epochs).
 */
export function meanChildWork(spec: SearchSpec, samples = 16): ChildWork {
  const space = new SearchSpace(spec);
  const { shape, classes, train } = datasetFacts(spec);
  const rng = Rng.fromSeed(spec.strategy.seed).split('cost-estimate');
  let macs = 0;
  let examples = 0;
  let product = 0;
  let n = 0;
  for (let i = 0; i < samples; i++) {
    const c = space.sample(rng);
    let m: number;
    try {
      m = summarizeNetwork(c.network, shape, classes).macs;
    } catch {
      // A sampled network that does not fit the input is infeasible: it costs no training.
      continue;
    }
    const e = childBudget(spec.training, c.hyperparameters, train).examples;
    macs += m;
    examples += e;
    product += m * e;
    n++;
  }
  return n
    ? { meanForwardMacs: macs / n, meanExamples: examples / n, meanMacExamples: product / n }
    : { meanForwardMacs: 0, meanExamples: 0, meanMacExamples: 0 };
}

/** Mean forward MACs over the same sample. */
export function meanForwardMacs(spec: SearchSpec): number {
  return meanChildWork(spec).meanForwardMacs;
}

interface Work {
  /** AutoHAS: SupernetChunk invocations, and their training seconds (in trainSeconds too). */
  supernetChunks?: number;
  iterations: number;
  /** Children simulated (every evaluated candidate). */
  simulated: number;
  /** Children trained (not cached, feasible). */
  trained: number;
  trainSeconds: number;
  backend: BackendName;
}

function price(w: Work): CostBreakdown {
  const p = STEP_PROFILE;
  const executions = Math.max(1, Math.ceil(w.iterations / LOOP_LIMITS.iterationsPerExecution));
  const arch = w.backend === 'tensorflow' ? 'x86_64' : 'arm64';
  const trainGBs = p.trainerMemoryGB * w.trainSeconds;
  const otherGBs =
    w.simulated * p.simulateMemoryGB * p.simulateSeconds +
    w.iterations * 2 * p.loopStepMemoryGB * p.loopStepSeconds +
    (executions + 1) * p.initFinalizeMemoryGB * p.initFinalizeSeconds;
  const lambdaUSD =
    trainGBs * PRICES.lambdaGBSecond[arch] +
    otherGBs * PRICES.lambdaGBSecond.arm64 +
    (w.simulated + w.trained + 2 * w.iterations + executions + 1 + (w.supernetChunks ?? 0)) *
      PRICES.lambdaRequest;
  const W = WORK_PROFILE;
  const transitions =
    w.simulated * W.transitionsPerChild +
    w.iterations * W.transitionsPerIteration +
    executions * W.transitionsPerExecution +
    (w.supernetChunks ?? 0) * W.transitionsPerSupernetChunk;
  const put =
    w.simulated * W.s3PerChild.put + w.iterations * W.s3PerIteration.put + executions * W.s3PerExecution.put;
  const get =
    w.simulated * W.s3PerChild.get + w.iterations * W.s3PerIteration.get + executions * W.s3PerExecution.get;
  const stepFunctionsUSD = transitions * PRICES.sfnTransition;
  const s3USD = put * PRICES.s3Put + get * PRICES.s3Get;
  return {
    totalUSD: round6(lambdaUSD + stepFunctionsUSD + s3USD),
    lambdaUSD: round6(lambdaUSD),
    stepFunctionsUSD: round6(stepFunctionsUSD),
    s3USD: round6(s3USD),
    lambdaGBSeconds: Math.round(trainGBs + otherGBs),
    lambdaRequests: w.simulated + w.trained + 2 * w.iterations + executions + 1 + (w.supernetChunks ?? 0),
    transitions,
    s3Requests: { put, get },
    candidates: w.simulated,
    iterations: w.iterations,
    trainSeconds: Math.round(w.trainSeconds * 10) / 10,
  };
}

/**
 * AutoHAS supernet seconds for `steps` steps: each is a weight step and a trial step (forward and
 * backward) plus a forward-only validation batch, on one sampled sub-network: 7/3 of a training
 * batch in MACs.
 */
export function supernetTrainSeconds(spec: SearchSpec, steps: number, backend: BackendName): number {
  const plan = searchPlan(spec).supernet;
  if (!plan || steps <= 0) return 0;
  const t = TRAINING_THROUGHPUT[backend];
  return (7 * meanForwardMacs(spec) * plan.batchSize * steps) / t.macsPerSecond;
}

/** Seconds to train one child of `forwardMacs` on `backend` for `examples` examples (the product is what counts). */
export function childTrainSeconds(forwardMacs: number, examples: number, backend: BackendName): number {
  const t = TRAINING_THROUGHPUT[backend];
  return t.overheadSeconds + (3 * forwardMacs * examples) / t.macsPerSecond;
}

/** The USD a spec will cost at most: every candidate the budget allows, all of them trained. */
export function estimateCost(spec: SearchSpec, options: CostOptions = {}): CostEstimate {
  const backend = options.backend ?? DEFAULT_COST_BACKEND;
  const plan = searchPlan(spec);
  const candidates = plan.maxCandidates;
  const iterations = Math.min(plan.iterations, Math.ceil(candidates / plan.batchSize));
  const work = meanChildWork(spec);
  const perChild = Math.min(childTrainSeconds(work.meanMacExamples, 1, backend), spec.training.maxSeconds);
  const supernetSeconds = supernetTrainSeconds(spec, plan.supernet?.steps ?? 0, backend);
  const breakdown = price({
    iterations,
    simulated: candidates,
    trained: candidates,
    trainSeconds: perChild * candidates + supernetSeconds,
    backend,
    supernetChunks: plan.supernet?.chunks ?? 0,
  });
  return {
    ...breakdown,
    backend,
    perChildTrainSeconds: Math.round(perChild * 100) / 100,
    meanForwardMacs: Math.round(work.meanForwardMacs),
    trainExamplesPerChild: Math.round(work.meanExamples),
    assumptions: [
      'every candidate the budget allows is evaluated and trained (no cache hits, none infeasible)',
      `training throughput of the ${backend} backend from TRAINING_THROUGHPUT`,
      'us-east-1 list prices; free tier not deducted',
    ],
  };
}

/** Progress counters of a running search (core/engine SearchState has these). */
export interface CostProgress {
  iteration: number;
  candidatesEvaluated: number;
  /** Children really trained (cache hits cost no training). */
  trained: number;
  /** Measured training seconds so far; without it, the per-child estimate stands in. */
  trainSeconds?: number;
  /** AutoHAS: supernet steps done so far. */
  supernet?: { step: number };
}

/** The cost of the work done so far. */
export function costSoFar(
  spec: SearchSpec,
  progress: CostProgress,
  options: CostOptions = {},
): CostBreakdown {
  const backend = options.backend ?? DEFAULT_COST_BACKEND;
  const trained = progress.trained;
  let trainSeconds = progress.trainSeconds;
  if (trainSeconds === undefined) {
    if (trained === 0) trainSeconds = 0;
    else {
      const per = childTrainSeconds(meanChildWork(spec).meanMacExamples, 1, backend);
      trainSeconds = trained * Math.min(per, spec.training.maxSeconds);
    }
  }
  // The supernet's share is always the model's (its seconds are not measured separately).
  const step = progress.supernet?.step ?? 0;
  const plan = searchPlan(spec).supernet;
  return price({
    iterations: progress.iteration,
    simulated: progress.candidatesEvaluated,
    trained,
    trainSeconds: trainSeconds + supernetTrainSeconds(spec, step, backend),
    backend,
    supernetChunks: plan ? Math.ceil(step / plan.stepsPerChunk) : 0,
  });
}
