// Controllers are ask/tell over plain JSON state (Optuna-style samplers), so a stateless
// Lambda can load the state, advance it, and store it again.
import type { Rng } from '../rng.js';
import type { StrategySpec } from '../spec/schema.js';

/** A JSON-serializable controller state. */
export type StrategyState = { kind: string } & Record<string, unknown>;

export interface Observation {
  tokens: number[];
  /** null for a failed or infeasible candidate the strategy should not learn from. */
  reward: number | null;
}

export interface Proposal<S extends StrategyState = StrategyState> {
  state: S;
  tokens: number[][];
}

export interface Strategy<S extends StrategyState = StrategyState> {
  readonly name: string;
  /** Fresh state for a space given by the number of choices per decision. */
  init(cardinalities: readonly number[], spec: StrategySpec): S;
  propose(state: S, n: number, rng: Rng): Proposal<S>;
  observe(state: S, observations: readonly Observation[]): S;
}
