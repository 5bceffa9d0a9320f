// Regularized (aging) evolution, Real et al. 2019: until the population is full, sample at
// random; then each child mutates one decision of the best of a random tournament, and the
// oldest member dies when a child joins. Null rewards never join the population.
import type { Rng } from '../rng.js';
import type { StrategySpec } from '../spec/schema.js';
import {
  addPending,
  baseState,
  checkBatchSize,
  matchObservations,
  openState,
  StrategyStateError,
  uniformTokens,
} from './common.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

export type EvolutionState = StrategyState & {
  /** Oldest first. */
  population: { tokens: number[]; reward: number }[];
  params: { populationSize: number; tournamentSize: number };
};

/** Changes one decision (among those with more than one choice) to a different choice. */
export function mutate(tokens: readonly number[], cardinalities: readonly number[], rng: Rng): number[] {
  const out = [...tokens];
  const free = cardinalities.flatMap((c, i) => (c > 1 ? [i] : []));
  if (free.length === 0) return out;
  const d = free[rng.int(free.length)]!;
  const shift = 1 + rng.int(cardinalities[d]! - 1);
  out[d] = (out[d]! + shift) % cardinalities[d]!;
  return out;
}

function openEvolution(state: EvolutionState): EvolutionState {
  const s = openState(state, 'evolution');
  const ok =
    Array.isArray(s.population) &&
    s.population.every(
      (m) =>
        Number.isFinite(m?.reward) &&
        Array.isArray(m.tokens) &&
        m.tokens.length === s.cardinalities.length &&
        m.tokens.every((t, i) => Number.isInteger(t) && t >= 0 && t < s.cardinalities[i]!),
    );
  if (!ok) throw new StrategyStateError('strategy state: population does not match the space');
  return s;
}

export const evolutionStrategy: Strategy<EvolutionState> = {
  name: 'evolution',
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): EvolutionState {
    return {
      ...baseState('evolution', cardinalities, spec, options),
      population: [],
      params: { populationSize: spec.populationSize, tournamentSize: spec.tournamentSize },
    };
  },
  propose(state: EvolutionState, n: number, rng: Rng): Proposal<EvolutionState> {
    checkBatchSize(n);
    const s = openEvolution(state);
    const pop = s.population;
    const tokens: number[][] = [];
    for (let i = 0; i < n; i++) {
      if (pop.length < s.params.populationSize) {
        tokens.push(uniformTokens(s.cardinalities, rng));
        continue;
      }
      // Tournament without replacement; the first of equal rewards in draw order wins.
      const idx = rng.shuffle(pop.map((_, k) => k)).slice(0, Math.min(s.params.tournamentSize, pop.length));
      let parent = pop[idx[0]!]!;
      for (const k of idx) if (pop[k]!.reward > parent.reward) parent = pop[k]!;
      tokens.push(mutate(parent.tokens, s.cardinalities, rng));
    }
    const ids = addPending(s, tokens);
    return { state: s, tokens, ids };
  },
  observe(state: EvolutionState, observations: readonly Observation[]): EvolutionState {
    const s = openEvolution(state);
    for (const m of matchObservations(s, observations)) {
      if (m.reward === null) continue;
      s.population.push({ tokens: m.entry.tokens, reward: m.reward });
      if (s.population.length > s.params.populationSize) s.population.shift();
    }
    return s;
  },
};
