// What happened to a candidate, and what the strategy observes of it: the one place that decides
// trained / cut short / failed / infeasible, and reward or floor or null.
// - trained (ok, or cut short by its wall-clock guard): the reward formula on validation
//   accuracy, fp32 or quantized (accuracySource); an accuracy below its limit gets the floor;
// - infeasible before training (a hard limit on latency/energy/area): `reward.floor`, so the
//   policy learns to stay away from that region;
// - failed (crash, timeout, unbuildable): null, no information; strategies skip it.
import { INTEGER_DATAPATH } from '../accelerator/index.js';
import type { AcceleratorConfig } from '../space/types.js';
import { OBJECTIVE_NAMES, type Objectives, type RewardSpec } from '../spec/schema.js';
import { checkAllLimits, computeReward, type Metrics, type PreTrainingMetrics } from './reward.js';
import type { Observation } from './strategy.js';

const COST_OBJECTIVES = OBJECTIVE_NAMES.filter((n) => n !== 'accuracy') as Exclude<
  (typeof OBJECTIVE_NAMES)[number],
  'accuracy'
>[];

export type OutcomeStatus = 'ok' | 'cutShort' | 'failed' | 'infeasible';

/** Did the child train (fully, or cut short by its guard) and get an accuracy? */
export function isTrained(status: string): status is 'ok' | 'cutShort' {
  return status === 'ok' || status === 'cutShort';
}

export type Outcome =
  /** `metrics.accuracy` is the accuracy decisions use (validation). */
  | { status: 'ok' | 'cutShort'; metrics: Metrics }
  | { status: 'infeasible'; metrics: PreTrainingMetrics; violations: string[] }
  | { status: 'failed'; error: string; metrics?: PreTrainingMetrics };

export type AccuracySource = 'fp32' | 'quantized';

/**
 * The accuracy decisions use (reward, accuracy limit, Pareto front): the spec's choice; else the
 * quantized model's when the accelerator computes in integers, as it would really score there.
 */
export function accuracySource(
  objectives: Objectives,
  template: AcceleratorConfig['template'],
): AccuracySource {
  return objectives.accuracy.source ?? (INTEGER_DATAPATH[template] ? 'quantized' : 'fp32');
}

/** A child's accuracies as the trainer records them: fp32, and quantized when it was scored so. */
export interface TrainedAccuracies {
  valAccuracy: number;
  testAccuracy: number;
  quantized?: { valAccuracy: number; testAccuracy: number };
}

/** Validation (decisions) and test (the front) accuracy from one source; undefined if not recorded. */
export function accuracyFrom(
  t: TrainedAccuracies,
  source: AccuracySource,
): { valAccuracy: number; testAccuracy: number } | undefined {
  if (source === 'fp32') return { valAccuracy: t.valAccuracy, testAccuracy: t.testAccuracy };
  return t.quantized && { valAccuracy: t.quantized.valAccuracy, testAccuracy: t.quantized.testAccuracy };
}

/** What the two writers of a candidate's metrics recorded (either may be missing). */
export interface OutcomeRecords {
  simulated?: { feasible: boolean; violations: string[]; metrics?: PreTrainingMetrics };
  trained?: TrainedAccuracies & { status: 'ok' | 'cutShort' | 'failed'; reason?: string };
  /** Which of the trained accuracies decisions use (accuracySource). */
  accuracySource: AccuracySource;
  /** Why the child's branch failed, when it wrote no training record (from the state machine). */
  error?: string;
}

/** The outcome of a candidate from its simulator and trainer records. */
export function outcomeOf(r: OutcomeRecords): Outcome {
  const pre = r.simulated?.metrics;
  if (r.simulated && !r.simulated.feasible)
    return { status: 'infeasible', metrics: { ...(pre ?? {}) }, violations: [...r.simulated.violations] };
  const t = r.trained;
  if (!t || t.status === 'failed')
    return {
      status: 'failed',
      error: t?.reason ?? r.error ?? 'no training result was written',
      ...(pre ? { metrics: pre } : {}),
    };
  const acc = accuracyFrom(t, r.accuracySource);
  if (!acc)
    return {
      status: 'failed',
      error: `no ${r.accuracySource} accuracy was recorded for this child (set objectives.accuracy.source to "fp32" to score it on its fp32 accuracy)`,
      ...(pre ? { metrics: pre } : {}),
    };
  return { status: t.status, metrics: { ...(pre ?? {}), accuracy: acc.valAccuracy } };
}

export interface ScoredOutcome {
  status: OutcomeStatus;
  /** What the strategy sees: a number, or null for a failure. */
  reward: number | null;
  feasible: boolean;
  violations: string[];
  /** Reward parts (see computeReward); empty unless trained. */
  terms: Record<string, number>;
  /** Raw metrics, whatever is known. */
  metrics: Partial<Metrics>;
  /** For Pareto selection (`objectiveVector`); null unless trained and feasible. */
  objectives: number[] | null;
  error?: string;
}

export function scoreOutcome(outcome: Outcome, objectives: Objectives, reward: RewardSpec): ScoredOutcome {
  switch (outcome.status) {
    case 'ok':
    case 'cutShort': {
      const r = computeReward(outcome.metrics, objectives, reward);
      return {
        status: outcome.status,
        reward: r.reward,
        feasible: r.feasible,
        violations: r.violations,
        terms: r.terms,
        metrics: r.metrics,
        objectives: r.feasible ? objectiveVector(outcome.metrics, objectives) : null,
      };
    }
    case 'infeasible':
      return {
        status: 'infeasible',
        reward: reward.floor,
        feasible: false,
        violations: [...outcome.violations],
        terms: {},
        metrics: { ...outcome.metrics },
        objectives: null,
      };
    case 'failed':
      return {
        status: 'failed',
        reward: null,
        feasible: false,
        violations: [],
        terms: {},
        metrics: { ...(outcome.metrics ?? {}) },
        objectives: null,
        error: outcome.error,
      };
  }
}

/** The observation for a proposal, from its outcome. */
export function observationFor(
  proposal: { proposalId?: string; tokens: number[] },
  outcome: Outcome,
  objectives: Objectives,
  reward: RewardSpec,
): { observation: Observation; scored: ScoredOutcome } {
  const scored = scoreOutcome(outcome, objectives, reward);
  return { observation: observationOf(proposal, scored), scored };
}

/** The observation of an outcome scored already. */
export function observationOf(
  proposal: { proposalId?: string; tokens: number[] },
  scored: Pick<ScoredOutcome, 'reward' | 'objectives'>,
): Observation {
  return {
    tokens: [...proposal.tokens],
    reward: scored.reward,
    ...(proposal.proposalId === undefined ? {} : { proposalId: proposal.proposalId }),
    objectives: scored.objectives,
  };
}

export interface OutcomeCounts {
  /** Evaluations, a repeated candidate counted each time. */
  candidatesEvaluated: number;
  /** Children really trained (cache hits excluded). */
  trained: number;
  /** Evaluations answered from the cache of an earlier identical child. */
  cached: number;
  failed: number;
  infeasible: number;
}

/** The counters state.json and results.json both report, from the same evaluations. */
export function countOutcomes(evs: readonly { status: string; cached?: boolean }[]): OutcomeCounts {
  return {
    candidatesEvaluated: evs.length,
    trained: evs.filter((e) => isTrained(e.status) && !e.cached).length,
    cached: evs.filter((e) => e.cached).length,
    failed: evs.filter((e) => e.status === 'failed').length,
    infeasible: evs.filter((e) => e.status === 'infeasible').length,
  };
}

/**
 * The vector `evolution` with `selection: "pareto"` compares, larger is better on every axis:
 * accuracy, then −ln(m) for each cost objective with a target, in OBJECTIVE_NAMES order (the
 * objectives the reward trades off; a limit is a constraint, not an axis). Null when a limit is
 * broken: infeasible. Log cost because the MnasNet reward trades accuracy against (m/T)^w, that
 * is linearly in log cost, and costs span orders of magnitude; it only changes crowding, never
 * which points dominate.
 */
export function objectiveVector(metrics: Metrics, objectives: Objectives): number[] | null {
  if (!checkAllLimits(metrics, objectives).feasible) return null;
  const v = [metrics.accuracy];
  for (const name of COST_OBJECTIVES) {
    if (objectives[name].target === undefined) continue;
    const m = metrics[name];
    if (m === undefined || !Number.isFinite(m) || m < 0)
      throw new Error(`objectives.${name}.target is set but metric ${name} is ${String(m)}`);
    // A zero cost is the best possible; keep it finite so the vector stays JSON.
    v.push(-Math.log(Math.max(m, Number.MIN_VALUE)));
  }
  return v;
}
