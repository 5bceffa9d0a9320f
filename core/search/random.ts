// Uniform random search: the baseline every other strategy is measured against.
import type { Rng } from '../rng.js';
import type { StrategySpec } from '../spec/schema.js';
import {
  addPending,
  baseState,
  checkBatchSize,
  matchObservations,
  openState,
  uniformTokens,
} from './common.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

export const randomStrategy: Strategy = {
  name: 'random',
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): StrategyState {
    return baseState('random', cardinalities, spec, options);
  },
  propose(state: StrategyState, n: number, rng: Rng): Proposal {
    checkBatchSize(n);
    const s = openState(state, 'random');
    const tokens = Array.from({ length: n }, () => uniformTokens(s.cardinalities, rng));
    const ids = addPending(s, tokens);
    return { state: s, tokens, ids };
  },
  observe(state: StrategyState, observations: readonly Observation[]): StrategyState {
    const s = openState(state, 'random');
    matchObservations(s, observations);
    return s;
  },
};
