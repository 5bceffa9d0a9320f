// From what happened to a candidate to what the strategy observes. The one place the
// floor-or-null choice is made:
// - trained (status ok): the reward formula; an accuracy below its limit gets the floor;
// - infeasible before training (a hard limit on latency/energy/area): `reward.floor`, so the
//   policy learns to stay away from that region;
// - failed (crash, timeout, unbuildable): null, no information; strategies skip it.
import type { Objectives, RewardSpec } from '../spec/schema.js';
import { computeReward, type Metrics, type PreTrainingMetrics } from './reward.js';
import type { Observation } from './strategy.js';

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
      };
    case 'failed':
      return {
        status: 'failed',
        reward: null,
        feasible: false,
        violations: [],
        terms: {},
        metrics: { ...(outcome.metrics ?? {}) },
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
    observation: { tokens: [...proposal.tokens], reward: scored.reward, proposalId: proposal.proposalId },
    scored,
  };
}
