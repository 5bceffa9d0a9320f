// From what happened to a candidate to what the strategy observes. The one place the
// floor-or-null choice is made:
// - trained (status ok): the reward formula; an accuracy below its limit gets the floor;
// - infeasible before training (a hard limit on latency/energy/area): `reward.floor`, so the
//   policy learns to stay away from that region;
// - failed (crash, timeout, unbuildable): null, no information; strategies skip it.
import { OBJECTIVE_NAMES, type Objectives, type RewardSpec } from '../spec/schema.js';
import { checkAllLimits, computeReward, type Metrics, type PreTrainingMetrics } from './reward.js';
import type { Observation } from './strategy.js';

const COST_OBJECTIVES = OBJECTIVE_NAMES.filter((n) => n !== 'accuracy') as Exclude<
  (typeof OBJECTIVE_NAMES)[number],
  'accuracy'
>[];

export type Outcome =
  | { status: 'ok'; metrics: Metrics }
  | { status: 'infeasible'; metrics: PreTrainingMetrics; violations: string[] }
  | { status: 'failed'; error: string; metrics?: PreTrainingMetrics };

export interface ScoredOutcome {
  status: Outcome['status'];
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
    case 'ok': {
      const r = computeReward(outcome.metrics, objectives, reward);
      return {
        status: 'ok',
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
  proposal: { proposalId: string; tokens: number[] },
  outcome: Outcome,
  objectives: Objectives,
  reward: RewardSpec,
): { observation: Observation; scored: ScoredOutcome } {
  const scored = scoreOutcome(outcome, objectives, reward);
  return {
    observation: {
      tokens: [...proposal.tokens],
      reward: scored.reward,
      proposalId: proposal.proposalId,
      objectives: scored.objectives,
    },
    scored,
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
