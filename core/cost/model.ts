// What a search costs on AWS, before it starts (estimateCost) and as it runs (costSoFar).
// Pure arithmetic over documented constants: list prices and per-backend training throughput.
import { summarizeNetwork } from '../network/summary.js';
import { Rng } from '../rng.js';
import { SearchSpace } from '../space/encoding.js';
import { searchPlan } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';

/** us-east-1 list prices (USD), Nov 2026. */
export const PRICES = {
  lambdaGBSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  lambdaRequest: 0.2 / 1e6,
  /** Standard workflows, per state transition. */
  sfnTransition: 0.000025,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
} as const;

export type TrainerBackend = 'cpu' | 'cpu-fast' | 'tensorflow';

/**
 * Training throughput per backend, in multiply-accumulates per second (forward and backward
 * counted as 3x the forward MACs), plus a fixed per-child overhead (model build, data load,
 * evaluation). From `npm run bench -- trainer` (reference model R1, 693k forward MACs, batch 64,
 * medians, 2-core x86 machine): plain tfjs cpu 4.4 examples/s (9e6 MAC/s); the project's JS
 * kernels over the cpu backend, which the zip Lambda runs, 190 examples/s (4e8 MAC/s). tfjs-node
 * is not measurable here (its binding cannot install); its figure is PyTorch-CPU's on the same
 * machine, ~2,000 examples/s (4e9 MAC/s), as a stand-in for native BLAS.
 */
export const TRAINING_THROUGHPUT: Record<TrainerBackend, { macsPerSecond: number; overheadSeconds: number }> =
  {
    cpu: { macsPerSecond: 9e6, overheadSeconds: 3 },
    'cpu-fast': { macsPerSecond: 4e8, overheadSeconds: 3 },
    tensorflow: { macsPerSecond: 4e9, overheadSeconds: 5 },
  };

/** Memory and duration of the non-training steps, as deployed by infra/stack.ts. */
export const STEP_PROFILE = {
  trainerMemoryGB: 3008 / 1024,
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

/** Iterations per execution before continue-as-new (core/engine/steps.ts LOOP_LIMITS). */
const ITERATIONS_PER_EXECUTION = 10;

/** Samples in the built-in digits set, and an assumed size for a dataset not read yet. */
const DIGITS_SAMPLES = 1797;
const UNKNOWN_TRAIN_SAMPLES = 10_000;
const UNKNOWN_SHAPE: [number, number, number] = [28, 28, 1];

export interface CostOptions {
  backend?: TrainerBackend;
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
  backend: TrainerBackend;
  perChildTrainSeconds: number;
  meanForwardMacs: number;
  trainExamplesPerChild: number;
  assumptions: string[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function datasetFacts(spec: SearchSpec): { shape: [number, number, number]; classes: number; train: number } {
  const d = spec.dataset;
  const builtin = d.uri === 'builtin:digits';
  const shape = builtin ? ([8, 8, 1] as [number, number, number]) : (d.shape ?? UNKNOWN_SHAPE);
  const classes = builtin ? 10 : (d.numClasses ?? 10);
  const full = builtin ? Math.floor(DIGITS_SAMPLES * d.splits.train) : UNKNOWN_TRAIN_SAMPLES;
  return { shape, classes, train: Math.min(full, d.maxTrainSamples ?? full) };
}

/** Mean forward MACs over a fixed, seeded sample of the space (the estimate never varies by run). */
export function meanForwardMacs(spec: SearchSpec, samples = 16): number {
  const space = new SearchSpace(spec);
  const { shape, classes } = datasetFacts(spec);
  const rng = Rng.fromSeed(spec.strategy.seed).split('cost-estimate');
  let total = 0;
  let n = 0;
  for (let i = 0; i < samples; i++) {
    try {
      total += summarizeNetwork(space.sample(rng).network, shape, classes).macs;
      n++;
    } catch {
      // A sampled network that does not fit the input is infeasible: it costs no training.
    }
  }
  return n ? total / n : 0;
}

function trainExamples(spec: SearchSpec, trainSamples: number): number {
  const t = spec.training;
  if (t.epochs !== undefined) return t.epochs * trainSamples;
  return (t.steps ?? 60) * t.batchSize;
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
  backend: TrainerBackend;
}

function price(w: Work): CostBreakdown {
  const p = STEP_PROFILE;
  const executions = Math.max(1, Math.ceil(w.iterations / ITERATIONS_PER_EXECUTION));
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
export function supernetTrainSeconds(spec: SearchSpec, steps: number, backend: TrainerBackend): number {
  const plan = searchPlan(spec).supernet;
  if (!plan || steps <= 0) return 0;
  const t = TRAINING_THROUGHPUT[backend];
  return (7 * meanForwardMacs(spec) * plan.batchSize * steps) / t.macsPerSecond;
}

/** Seconds to train one child of `forwardMacs` on `backend` for `examples` examples. */
export function childTrainSeconds(forwardMacs: number, examples: number, backend: TrainerBackend): number {
  const t = TRAINING_THROUGHPUT[backend];
  return t.overheadSeconds + (3 * forwardMacs * examples) / t.macsPerSecond;
}

/** The USD a spec will cost at most: every candidate the budget allows, all of them trained. */
export function estimateCost(spec: SearchSpec, options: CostOptions = {}): CostEstimate {
  const backend = options.backend ?? 'cpu-fast';
  const plan = searchPlan(spec);
  const candidates = plan.maxCandidates;
  const iterations = Math.min(plan.iterations, Math.ceil(candidates / plan.batchSize));
  const { train } = datasetFacts(spec);
  const macs = meanForwardMacs(spec);
  const examples = trainExamples(spec, train);
  const perChild = Math.min(childTrainSeconds(macs, examples, backend), spec.training.maxSeconds);
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
    meanForwardMacs: Math.round(macs),
    trainExamplesPerChild: examples,
    assumptions: [
      'every candidate the budget allows is evaluated and trained (no cache hits, none infeasible)',
      `training throughput of the ${backend} backend from TRAINING_THROUGHPUT (placeholder until the trainer benchmark)`,
      'us-east-1 list prices; free tier not deducted',
    ],
  };
}

/** Progress counters of a running search (core/engine SearchState has these). */
export interface CostProgress {
  iteration: number;
  candidatesEvaluated: number;
  trained: number;
  cached?: number;
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
  const backend = options.backend ?? 'cpu-fast';
  const trained = Math.max(0, progress.trained - (progress.cached ?? 0));
  let trainSeconds = progress.trainSeconds;
  if (trainSeconds === undefined) {
    if (trained === 0) trainSeconds = 0;
    else {
      const per = childTrainSeconds(
        meanForwardMacs(spec),
        trainExamples(spec, datasetFacts(spec).train),
        backend,
      );
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
