// The shape of the loop a spec asks for. Multi-trial strategies run `iterations` batches;
// AutoHAS trains a supernet in chunks, then retrains its top-k in one batch.
import type { Hyperparameters } from '../space/types.js';
import {
  type Augmentation,
  AutohasSpec,
  DEFAULT_CHILD_STEPS,
  type LrScheduleName,
  type SearchSpec,
  type TrainingSpec,
} from './schema.js';

/**
 * The simulator tier every search step uses (SimulateAccelerator, the hypervolume frame, the
 * AutoHAS reward), so their latencies are comparable.
 */
export const SEARCH_SIMULATION_TIER = 'exact' as const;

export interface SupernetPlan extends AutohasSpec {
  /** SupernetChunk invocations needed. */
  chunks: number;
  /** Examples per supernet batch. */
  batchSize: number;
  valBatchSize: number;
  warmupSteps: number;
}

export interface SearchPlan {
  /** Iterations of the sample → evaluate → update loop. */
  iterations: number;
  /** Candidates proposed per iteration. */
  batchSize: number;
  /** Most candidates the loop will evaluate. */
  maxCandidates: number;
  /** The one-shot phase before the loop (strategy `autohas`), else null. */
  supernet: SupernetPlan | null;
}

export function searchPlan(spec: SearchSpec): SearchPlan {
  if (spec.strategy.name !== 'autohas') {
    const { iterations, batchSize } = spec.strategy;
    return {
      iterations,
      batchSize,
      maxCandidates: Math.min(iterations * batchSize, spec.budget.maxCandidates),
      supernet: null,
    };
  }
  const a = AutohasSpec.parse(spec.autohas ?? {});
  // The default-hp twin of the top candidate takes one of the budget's candidates, when there are two.
  const defaultHpBaseline = a.defaultHpBaseline && spec.budget.maxCandidates >= 2;
  const topK = Math.min(a.topK, spec.budget.maxCandidates - (defaultHpBaseline ? 1 : 0));
  const batchSize = a.batchSize ?? spec.training.batchSize;
  const retrained = topK + (defaultHpBaseline ? 1 : 0);
  return {
    iterations: 1,
    batchSize: retrained,
    maxCandidates: retrained,
    supernet: {
      ...a,
      defaultHpBaseline,
      topK,
      batchSize,
      valBatchSize: a.valBatchSize ?? batchSize,
      warmupSteps: a.warmupSteps ?? Math.floor(a.steps / 2),
      chunks: Math.ceil(a.steps / a.stepsPerChunk),
    },
  };
}

/** What one child trains for: every caller (trainer, cost model, CLI, API) derives it here. */
export interface ChildBudget {
  /** Examples per step (the candidate's batch size, at most the training split). */
  batchSize: number;
  stepsPerEpoch: number;
  /** Optimizer steps in all. */
  steps: number;
  /** Training examples seen: steps × batchSize. */
  examples: number;
  /** Epochs, when the budget is given in epochs. */
  epochs?: number;
}

/**
 * The child's budget from the spec's training settings, the candidate's hyper-parameters and the
 * size of the training split: the candidate's epochs, else the spec's epochs, else the spec's
 * steps, else DEFAULT_CHILD_STEPS.
 */
export function childBudget(
  training: Pick<TrainingSpec, 'steps' | 'epochs'>,
  hp: Pick<Hyperparameters, 'batchSize' | 'epochs'>,
  trainSamples: number,
): ChildBudget {
  const n = Math.max(1, trainSamples);
  const batchSize = Math.max(1, Math.min(hp.batchSize, n));
  const stepsPerEpoch = Math.max(1, Math.floor(n / batchSize));
  const epochs = hp.epochs ?? training.epochs;
  const steps = epochs !== undefined ? epochs * stepsPerEpoch : (training.steps ?? DEFAULT_CHILD_STEPS);
  return {
    batchSize,
    stepsPerEpoch,
    steps,
    examples: steps * batchSize,
    ...(epochs !== undefined ? { epochs } : {}),
  };
}

/** How one child trains, beyond its budget: every recipe setting resolved for its candidate. */
export interface ChildRecipe {
  schedule: LrScheduleName;
  warmupFraction: number;
  milestones: number[];
  gamma: number;
  labelSmoothing: number;
  dropout: number;
  augment: Augmentation;
  cropPadding: number;
}

/** The candidate's recipe decisions where the space makes them, else the spec's training settings. */
export function childRecipe(training: TrainingSpec, hp: Partial<Hyperparameters>): ChildRecipe {
  return {
    schedule: hp.schedule ?? training.schedule,
    warmupFraction: hp.warmupFraction ?? training.warmupFraction,
    milestones: [...training.milestones],
    gamma: training.gamma,
    labelSmoothing: hp.labelSmoothing ?? training.labelSmoothing,
    dropout: hp.dropout ?? training.dropout,
    augment: hp.augment ?? training.augment,
    cropPadding: training.cropPadding,
  };
}
