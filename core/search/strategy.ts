// Controllers are ask/tell over plain JSON state (Optuna-style samplers), so a stateless
// Lambda can load the state, advance it, and store it again. Neither call mutates its input.
import type { Rng } from '../rng.js';
import type { Candidate, DecisionGroup } from '../space/types.js';
import type { StrategySpec } from '../spec/schema.js';

/** Bumped whenever a state layout changes; states of another version are rejected. */
export const STATE_VERSION = 1;

/** One proposed token sequence waiting for its result. */
export interface PendingEntry {
  /** `${round}.${index}`: unique within a state's life. */
  id: string;
  tokens: number[];
  /** Log-probability of the tokens under the policy that sampled them (policy-gradient strategies). */
  logProb?: number;
}

/** A JSON-serializable controller state. Every strategy's state has these fields. */
export type StrategyState = {
  kind: string;
  version: number;
  /** Hash of the search spec this state belongs to (see `SpecBoundStrategy`). */
  specHash: string;
  cardinalities: number[];
  /** Number of propose calls so far. */
  round: number;
  /** Proposed and not yet observed, in proposal order. */
  pending: PendingEntry[];
  /** Results observed so far (including null rewards). */
  observed: number;
} & Record<string, unknown>;

export interface Observation {
  /** The tokens exactly as proposed (before any canonicalization). */
  tokens: number[];
  /**
   * null: no information (e.g. the evaluation crashed); the strategy does not learn from it.
   * Infeasible candidates should be observed with the spec's `reward.floor`, so that the
   * policy learns to avoid them.
   */
  reward: number | null;
  /** The id the proposal returned; when given it is matched instead of the tokens. */
  proposalId?: string;
  /**
   * Objective vector, larger is better on every axis (see `objectiveVector` in outcome.ts), or
   * null for an infeasible candidate. Only `evolution` with `selection: "pareto"` reads it, and
   * it requires it next to every numeric reward; the other strategies ignore it.
   */
  objectives?: number[] | null;
}

export interface Proposal<S extends StrategyState = StrategyState> {
  state: S;
  tokens: number[][];
  /** One id per proposed sequence, to pass back as `Observation.proposalId`. */
  ids: string[];
}

export interface InitOptions {
  /** Group of each decision, in the order of `cardinalities`; `two-phase` needs it. */
  groups?: readonly DecisionGroup[];
  /** Hash of the search spec; stored in the state and checked by `SpecBoundStrategy`. */
  specHash?: string;
  /** Total sample budget for budgeted strategies (`two-phase`); default iterations × batchSize. */
  totalSamples?: number;
  /** two-phase: share of the budget for phase 1; default by the log-size of the sub-spaces. */
  phase1Fraction?: number;
  /** two-phase: the strategy run inside each phase; default reinforce. */
  inner?: 'reinforce' | 'ppo' | 'evolution' | 'random';
}

export interface Strategy<S extends StrategyState = StrategyState> {
  readonly name: string;
  /** Fresh state for a space given by the number of choices per decision. */
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): S;
  propose(state: S, n: number, rng: Rng): Proposal<S>;
  observe(state: S, observations: readonly Observation[]): S;
  /**
   * The first n candidates a state carries whole, when they are more than their tokens say
   * (AutoHAS's top-k with mixed hyper-parameters). Strategies without it are decoded from tokens.
   */
  carriedCandidates?(state: S, n: number): Candidate[];
}
