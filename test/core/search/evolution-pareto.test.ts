import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import {
  crowdingDistances,
  type EvolutionState,
  evolutionStrategy as evo,
  nondominatedRanks,
} from '../../../core/search/evolution.js';
import { getStrategy } from '../../../core/search/index.js';
import { hvUnion } from '../../../core/search/pareto.js';
import type { Observation } from '../../../core/search/strategy.js';
import { StrategySpec } from '../../../core/spec/schema.js';

const cards = [4, 4, 4, 4, 4, 4, 4, 4];
const W = [1, 3, 0.5, 2, 1.5, 0.2, 2.5, 1];

/**
 * Two conflicting objectives, both larger-is-better and in (0, 1]: "accuracy" grows with the
 * tokens with diminishing returns and one interaction; "speed" falls with a different weighting.
 * Token 3 of decision 0 is infeasible (objectives null, floor reward); decision 1 = 3 crashes.
 */
function evaluate(t: readonly number[]): { reward: number | null; objectives: number[] | null } {
  if (t[1] === 3) return { reward: null, objectives: null };
  if (t[0] === 3) return { reward: 0, objectives: null };
  const acc = 1 - Math.exp(-(t.reduce((s, x) => s + x, 0) + (t[2] === t[3] ? 2 : 0)) / 8);
  const cost = t.reduce((s, x, i) => s + x * W[i]!, 0);
  const speed = 1 / (1 + cost / 4);
  return { reward: acc * speed ** 0.3, objectives: [acc, speed] };
}

type Mode = 'reward' | 'pareto' | 'random';

function run(mode: Mode, seed: number, iterations: number, batch: number, reorder = false) {
  const spec = StrategySpec.parse({
    name: mode === 'random' ? 'random' : 'evolution',
    selection: mode === 'pareto' ? 'pareto' : 'reward',
    populationSize: 12,
    tournamentSize: 4,
  });
  const s = getStrategy(spec.name);
  let state = s.init(cards, spec);
  const rng = Rng.fromSeed(seed);
  const points: number[][] = [];
  for (let it = 0; it < iterations; it++) {
    const p = s.propose(JSON.parse(JSON.stringify(state)), batch, rng);
    const obs: Observation[] = p.tokens.map((t, k) => ({ tokens: t, proposalId: p.ids[k]!, ...evaluate(t) }));
    if (reorder) obs.reverse();
    for (const o of obs) if (o.objectives) points.push(o.objectives);
    state = s.observe(JSON.parse(JSON.stringify(p.state)), obs);
  }
  return { state: state as EvolutionState, hv: hvUnion(points, 2) };
}

describe('nondominatedRanks / crowdingDistances', () => {
  it('rank fronts, put infeasible last, and crowd by neighbour gaps', () => {
    const v = [[1, 0], [0, 1], [0.5, 0.5], [0.4, 0.4], null, [0.5, 0.5], [0.2, 0.9]];
    const r = nondominatedRanks(v);
    expect(r).toEqual([0, 0, 0, 1, Number.POSITIVE_INFINITY, 0, 0]);
    const d = crowdingDistances(v, r);
    // Extremes of front 0 are infinite; the lone point of front 1 too; infeasible gets 0.
    expect([d[0], d[1], d[3], d[4]]).toEqual([
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      0,
    ]);
    // Front 0 sorted by axis 0: [0,1] [0.2,0.9] [0.5,0.5] [0.5,0.5] [1,0]; ties keep index order.
    expect(d[6]).toBeCloseTo(0.5 + 0.5, 12);
    // Axis 1 sorted: [1,0] [0.5,0.5] (2) [0.5,0.5] (5) [0.2,0.9] [0,1].
    expect(d[2]).toBeCloseTo(0.3 + 0.5, 12);
    expect(d[5]).toBeCloseTo(0.5 + 0.4, 12);
  });
});

describe('evolution, selection "pareto"', () => {
  it('same seed and same results give the same state after JSON round trips, in any arrival order', () => {
    const a = run('pareto', 5, 15, 6);
    const b = run('pareto', 5, 15, 6, true);
    expect(JSON.stringify(a.state)).toBe(JSON.stringify(b.state));
    expect(JSON.stringify(run('pareto', 6, 15, 6).state)).not.toBe(JSON.stringify(a.state));
    expect(a.state.params.selection).toBe('pareto');
    expect(a.state.population.length).toBe(12);
    expect(a.state.population.some((m) => m.objectives === null)).toBe(true);
  });

  it('differs from reward selection, which ignores objectives', () => {
    const r = run('reward', 5, 15, 6);
    expect(r.state.population.every((m) => m.objectives === undefined)).toBe(true);
    expect(JSON.stringify(r.state.population.map((m) => m.tokens))).not.toBe(
      JSON.stringify(run('pareto', 5, 15, 6).state.population.map((m) => m.tokens)),
    );
  });

  it('the tournament prefers a lower rank, then a larger crowding distance', () => {
    const spec = StrategySpec.parse({
      name: 'evolution',
      selection: 'pareto',
      populationSize: 3,
      tournamentSize: 3,
    });
    const base = evo.init([8], spec);
    // Member 0 is dominated by 1; 1 and 2 are both rank 0 and extremes (infinite crowding),
    // so the first of them in draw order wins; a null member never does.
    const st: EvolutionState = {
      ...base,
      population: [
        { tokens: [0], reward: 1, objectives: [0.1, 0.1] },
        { tokens: [2], reward: 0, objectives: [0.5, 0.5] },
        { tokens: [4], reward: 0, objectives: null },
      ],
    };
    // A child is one mutation of its parent: always [2] means never 2 and every other value.
    const kids = new Set<number>();
    for (let seed = 0; seed < 200; seed++) kids.add(evo.propose(st, 1, Rng.fromSeed(seed)).tokens[0]![0]!);
    expect([...kids].sort()).toEqual([0, 1, 3, 4, 5, 6, 7]);
    // Reward selection on the same population follows the reward: parent [0], never child 0.
    const byReward = { ...st, params: { ...st.params, selection: 'reward' as const } };
    const rk = new Set<number>();
    for (let seed = 0; seed < 200; seed++)
      rk.add(evo.propose(byReward, 1, Rng.fromSeed(seed)).tokens[0]![0]!);
    expect(rk.has(0)).toBe(false);
  });

  it('finds a better front than random and than reward selection (hypervolume, 3 seeds)', () => {
    for (const seed of [1, 2, 3]) {
      const p = run('pareto', seed, 25, 8).hv;
      expect(p).toBeGreaterThan(run('random', seed, 25, 8).hv);
      expect(p).toBeGreaterThan(run('reward', seed, 25, 8).hv);
    }
  });

  it('rejects a reward without objectives, bad vectors, mixed lengths and corrupt states', () => {
    const spec = StrategySpec.parse({ name: 'evolution', selection: 'pareto' });
    const st = evo.init(cards, spec);
    const p = evo.propose(st, 2, Rng.fromSeed(1));
    const [t0, t1] = [p.tokens[0]!, p.tokens[1]!];
    const id0 = p.ids[0]!;
    const id1 = p.ids[1]!;
    expect(() => evo.observe(p.state, [{ tokens: t0, proposalId: id0, reward: 0.5 }])).toThrow(
      /no objectives/,
    );
    expect(() =>
      evo.observe(p.state, [{ tokens: t0, proposalId: id0, reward: 0.5, objectives: [0.5, Number.NaN] }]),
    ).toThrow(/objectives must be/);
    expect(() =>
      evo.observe(p.state, [{ tokens: t0, proposalId: id0, reward: 0.5, objectives: [] }]),
    ).toThrow(/objectives must be/);
    expect(() =>
      evo.observe(p.state, [
        { tokens: t0, proposalId: id0, reward: 0.5, objectives: [0.5, 0.1] },
        { tokens: t1, proposalId: id1, reward: 0.5, objectives: [0.5, 0.1, 3] },
      ]),
    ).toThrow(/has 3 objectives, the population has 2/);
    // A failed evaluation needs no objectives; an infeasible one passes null.
    const ok = evo.observe(p.state, [
      { tokens: t0, proposalId: id0, reward: null },
      { tokens: t1, proposalId: id1, reward: 0, objectives: null },
    ]);
    expect(ok.population).toEqual([{ tokens: t1, reward: 0, objectives: null }]);
    // The input state was not touched by the failed calls.
    expect(p.state.pending).toHaveLength(2);
    const member = (objectives: unknown) => ({ tokens: cards.map(() => 0), reward: 0, objectives });
    const corrupt = (population: unknown[]) => ({ ...ok, population }) as EvolutionState;
    expect(() => evo.propose(corrupt([member(undefined)]), 1, Rng.fromSeed(1))).toThrow(/objectives/);
    expect(() => evo.propose(corrupt([member([1, 2]), member([1])]), 1, Rng.fromSeed(1))).toThrow(
      /mixed lengths/,
    );
    expect(() => evo.propose(corrupt([member(['x'])]), 1, Rng.fromSeed(1))).toThrow(/objectives/);
    expect(() =>
      evo.propose({ ...ok, params: { ...ok.params, selection: 'best' as 'reward' } }, 1, Rng.fromSeed(1)),
    ).toThrow(/params.selection/);
  });

  it('two-phase forwards objectives to an inner pareto evolution', () => {
    const s = getStrategy('two-phase');
    const spec = StrategySpec.parse({ name: 'two-phase', selection: 'pareto', populationSize: 2 });
    const groups = cards.map((_, i) => (i < 5 ? 'network' : 'accelerator') as 'network' | 'accelerator');
    let st = s.init(cards, spec, { groups, totalSamples: 40, inner: 'evolution' });
    for (let it = 0; it < 3; it++) {
      const p = s.propose(st, 4, Rng.fromSeed(it));
      st = s.observe(
        p.state,
        p.tokens.map((t, k) => ({ tokens: t, proposalId: p.ids[k]!, ...evaluate(t) })),
      );
    }
    const inner = (st as unknown as { inner: EvolutionState }).inner;
    expect(inner.params.selection).toBe('pareto');
    expect(inner.population.length).toBe(2);
    expect(inner.population.every((m) => m.objectives === null || m.objectives?.length === 2)).toBe(true);
  });

  it('the spec rejects an unknown selection, naming the field', () => {
    const r = StrategySpec.safeParse({ name: 'evolution', selection: 'nsga' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['selection']);
    expect(StrategySpec.parse({}).selection).toBe('reward');
  });
});
