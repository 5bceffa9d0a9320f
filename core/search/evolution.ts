// Regularized (aging) evolution, Real et al. 2019: until the population is full, sample at
// random; then each child mutates one decision of the best of a random tournament, and the
// oldest member dies when a child joins. Null rewards never join the population.
//
// `selection` says what "best" means:
// - `reward` (default): the highest scalar reward;
// - `pareto`: NSGA-II's crowded comparison (Deb et al. 2002) inside the aging population: the
//   lowest non-domination rank over the observed objective vectors, then the largest crowding
//   distance. Infeasible members (objectives null) rank after every feasible one (Deb's
//   constraint domination). The search then spreads along the front instead of converging on
//   the one trade-off a fixed reward target prefers.
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
import { dominates } from './pareto.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

export type Selection = 'reward' | 'pareto';

export interface Member {
  tokens: number[];
  reward: number;
  /** selection "pareto" only: the observed objective vector (larger is better), null if infeasible. */
  objectives?: number[] | null;
}

export type EvolutionState = StrategyState & {
  /** Oldest first. */
  population: Member[];
  params: { populationSize: number; tournamentSize: number; selection?: Selection };
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

/**
 * Non-domination rank of each vector (0 = not dominated by any other; larger is better on every
 * axis); null vectors (infeasible) get Infinity. Equal vectors share a rank.
 */
export function nondominatedRanks(vectors: readonly (readonly number[] | null)[]): number[] {
  const rank = vectors.map((v) => (v === null ? Number.POSITIVE_INFINITY : -1));
  let left = rank.filter((r) => r < 0).length;
  for (let level = 0; left > 0; level++) {
    const open = rank.flatMap((r, i) => (r < 0 ? [i] : []));
    const front = open.filter((i) => !open.some((j) => j !== i && dominates(vectors[j]!, vectors[i]!)));
    for (const i of front) rank[i] = level;
    left -= front.length;
  }
  return rank;
}

/**
 * NSGA-II crowding distance of each vector within its own rank: per objective, the gap between
 * its two neighbours divided by that front's range on the objective; the extremes of each
 * objective get Infinity. Ties in a sort keep population order, so the result is deterministic.
 */
export function crowdingDistances(
  vectors: readonly (readonly number[] | null)[],
  ranks: readonly number[],
): number[] {
  const dist = vectors.map(() => 0);
  const byRank = new Map<number, number[]>();
  ranks.forEach((r, i) => {
    if (vectors[i] === null) return;
    const list = byRank.get(r) ?? [];
    list.push(i);
    byRank.set(r, list);
  });
  for (const front of byRank.values()) {
    const dims = vectors[front[0]!]!.length;
    for (let m = 0; m < dims; m++) {
      const sorted = [...front].sort((a, b) => vectors[a]![m]! - vectors[b]![m]! || a - b);
      const lo = vectors[sorted[0]!]![m]!;
      const hi = vectors[sorted[sorted.length - 1]!]![m]!;
      dist[sorted[0]!] = Number.POSITIVE_INFINITY;
      dist[sorted[sorted.length - 1]!] = Number.POSITIVE_INFINITY;
      if (!(hi > lo)) continue;
      for (let k = 1; k < sorted.length - 1; k++)
        dist[sorted[k]!]! += (vectors[sorted[k + 1]!]![m]! - vectors[sorted[k - 1]!]![m]!) / (hi - lo);
    }
  }
  return dist;
}

const isVector = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function openEvolution(state: EvolutionState): EvolutionState {
  const s = openState(state, 'evolution');
  // States written before `selection` existed are reward selection.
  const selection = s.params?.selection ?? 'reward';
  if (selection !== 'reward' && selection !== 'pareto')
    throw new StrategyStateError(`strategy state: params.selection is ${String(selection)}`);
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
  if (selection === 'pareto') {
    const dims = new Set(s.population.map((m) => (isVector(m.objectives) ? m.objectives.length : 0)));
    dims.delete(0);
    if (!s.population.every((m) => m.objectives === null || isVector(m.objectives)) || dims.size > 1)
      throw new StrategyStateError('strategy state: population objectives are missing or of mixed lengths');
  }
  return s;
}

/**
 * The tournament winner among population indices (draw order breaks ties: the first wins).
 * Ranks and crowding are computed once per propose: the population does not change within it.
 */
function tournament(s: EvolutionState): (idx: readonly number[]) => number {
  const pop = s.population;
  if ((s.params.selection ?? 'reward') === 'reward')
    return (idx) => idx.reduce((best, k) => (pop[k]!.reward > pop[best]!.reward ? k : best), idx[0]!);
  const vectors = pop.map((m) => m.objectives ?? null);
  const rank = nondominatedRanks(vectors);
  const crowd = crowdingDistances(vectors, rank);
  return (idx) =>
    idx.reduce(
      (best, k) =>
        rank[k]! < rank[best]! || (rank[k] === rank[best] && crowd[k]! > crowd[best]!) ? k : best,
      idx[0]!,
    );
}

export const evolutionStrategy: Strategy<EvolutionState> = {
  name: 'evolution',
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): EvolutionState {
    return {
      ...baseState('evolution', cardinalities, spec, options),
      population: [],
      params: {
        populationSize: spec.populationSize,
        tournamentSize: spec.tournamentSize,
        selection: spec.selection,
      },
    };
  },
  propose(state: EvolutionState, n: number, rng: Rng): Proposal<EvolutionState> {
    checkBatchSize(n);
    const s = openEvolution(state);
    const pop = s.population;
    const pick = pop.length >= s.params.populationSize ? tournament(s) : null;
    const tokens: number[][] = [];
    for (let i = 0; i < n; i++) {
      if (!pick) {
        tokens.push(uniformTokens(s.cardinalities, rng));
        continue;
      }
      // Tournament without replacement.
      const idx = rng.shuffle(pop.map((_, k) => k)).slice(0, Math.min(s.params.tournamentSize, pop.length));
      tokens.push(mutate(pop[pick(idx)]!.tokens, s.cardinalities, rng));
    }
    const ids = addPending(s, tokens);
    return { state: s, tokens, ids };
  },
  observe(state: EvolutionState, observations: readonly Observation[]): EvolutionState {
    const s = openEvolution(state);
    const pareto = s.params.selection === 'pareto';
    for (const m of matchObservations(s, observations)) {
      if (m.reward === null) continue;
      if (!pareto) s.population.push({ tokens: m.entry.tokens, reward: m.reward });
      else {
        if (m.objectives === undefined)
          throw new StrategyStateError(
            `evolution with selection "pareto": the result for proposal ${m.entry.id} has a reward but no objectives (pass the objective vector, or null if infeasible)`,
          );
        const dims = s.population.find((p) => p.objectives)?.objectives?.length;
        if (m.objectives !== null && dims !== undefined && m.objectives.length !== dims)
          throw new StrategyStateError(
            `evolution with selection "pareto": proposal ${m.entry.id} has ${m.objectives.length} objectives, the population has ${dims}`,
          );
        s.population.push({ tokens: m.entry.tokens, reward: m.reward, objectives: m.objectives });
      }
      if (s.population.length > s.params.populationSize) s.population.shift();
    }
    return s;
  },
};
