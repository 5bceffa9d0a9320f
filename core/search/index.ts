// Entry point of the search engine: strategy lookup, and a controller bound to one spec that
// refuses states from any other spec.
import type { Rng } from '../rng.js';
import type { StrategyName, StrategySpec } from '../spec/schema.js';
import { assertSameSpec } from './common.js';
import { evolutionStrategy } from './evolution.js';
import { moboStrategy } from './mobo.js';
import { ppoStrategy, reinforceStrategy } from './policy-gradient.js';
import { randomStrategy } from './random.js';
import { reinforceLstmStrategy } from './reinforce-lstm.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';
import { topKStrategy } from './topk.js';
import { tpeStrategy } from './tpe.js';
import { twoPhaseStrategy } from './two-phase.js';

export { assertSameSpec, StrategyStateError } from './common.js';
export type {
  InitOptions,
  Observation,
  PendingEntry,
  Proposal,
  Strategy,
  StrategyState,
} from './strategy.js';
export { STATE_VERSION } from './strategy.js';

const STRATEGIES: Record<StrategyName, Strategy> = {
  random: randomStrategy,
  reinforce: reinforceStrategy as Strategy,
  ppo: ppoStrategy as Strategy,
  evolution: evolutionStrategy as Strategy,
  'two-phase': twoPhaseStrategy as Strategy,
  'reinforce-lstm': reinforceLstmStrategy as Strategy,
  autohas: topKStrategy as Strategy,
  tpe: tpeStrategy as Strategy,
  mobo: moboStrategy as Strategy,
};

/** The strategy of that name; `autohas` is the hand-off of the supernet's top-k (core/autohas trains it). */
export function getStrategy(name: StrategyName): Strategy {
  const s = STRATEGIES[name];
  if (!s)
    throw new Error(
      `strategy "${name}" is not available in core/search (have: ${availableStrategies().join(', ')})`,
    );
  return s;
}

export function availableStrategies(): string[] {
  return Object.keys(STRATEGIES);
}

/**
 * A strategy bound to one spec (by its hash): every call checks that the state it is given
 * belongs to that spec, so a state from another search can never corrupt this one.
 */
export class SpecBoundStrategy {
  readonly strategy: Strategy;

  constructor(
    readonly spec: StrategySpec,
    readonly cardinalities: readonly number[],
    readonly specHash: string,
    readonly options: Omit<InitOptions, 'specHash'> = {},
  ) {
    this.strategy = getStrategy(spec.name);
  }

  init(): StrategyState {
    return this.strategy.init(this.cardinalities, this.spec, { ...this.options, specHash: this.specHash });
  }

  propose(state: StrategyState, n: number, rng: Rng): Proposal {
    assertSameSpec(state, this.specHash);
    return this.strategy.propose(state, n, rng);
  }

  observe(state: StrategyState, observations: readonly Observation[]): StrategyState {
    assertSameSpec(state, this.specHash);
    return this.strategy.observe(state, observations);
  }
}
