import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { nondominatedRanks } from '../../../core/search/evolution.js';
import {
  fastNondominatedRanks,
  greedyHssp,
  selectBelow,
  tieBreakReference,
} from '../../../core/search/front-split.js';
import { getStrategy, SpecBoundStrategy, StrategyStateError } from '../../../core/search/index.js';
import { hvUnion } from '../../../core/search/pareto.js';
import type { Observation, StrategyState } from '../../../core/search/strategy.js';
import {
  CategoricalParzen,
  hypervolumeWeights,
  rampWeights,
  splitTrials,
  type TpeState,
  tpeStrategy,
} from '../../../core/search/tpe.js';
import { StrategySpec } from '../../../core/spec/schema.js';

const cards = [4, 4, 4, 4, 1, 4, 4, 4, 4, 3];
const weights = (() => {
  const r = Rng.fromSeed('tpe-toy');
  return cards.map((c) => Array.from({ length: c }, () => [r.next(), r.next()]));
})();

/**
 * A two-objective toy: f0 grows and f1 shrinks with the "size" decisions 0-2, plus seeded main
 * effects on both; decision 1 = 3 is infeasible; decision 9 = 2 with 0 = 3 crashes.
 */
function evaluate(t: readonly number[]): Pick<Observation, 'reward' | 'objectives'> {
  if (t[9] === 2 && t[0] === 3) return { reward: null };
  if (t[1] === 3) return { reward: 0, objectives: null };
  const size = t[0]! + t[1]! + t[2]!;
  let f0 = size / 9;
  let f1 = -size / 9;
  t.forEach((x, d) => {
    f0 += 0.1 * weights[d]![x]![0]!;
    f1 += 0.1 * weights[d]![x]![1]!;
  });
  return { reward: f0 + f1, objectives: [f0, f1] };
}

const spec = (over: Record<string, unknown> = {}) => StrategySpec.parse({ name: 'tpe', ...over });

function run(seed: number, iterations: number, batch: number, opts: { reorder?: boolean } = {}) {
  let state: StrategyState = tpeStrategy.init(cards, spec({ seed }));
  const rng = Rng.fromSeed(seed);
  const seen: number[][] = [];
  for (let it = 0; it < iterations; it++) {
    const p = tpeStrategy.propose(JSON.parse(JSON.stringify(state)) as TpeState, batch, rng);
    const obs: Observation[] = p.tokens.map((t, k) => ({ tokens: t, proposalId: p.ids[k]!, ...evaluate(t) }));
    seen.push(...p.tokens);
    if (opts.reorder) obs.reverse();
    // Results in two parts, as partial batches may arrive.
    const half = Math.floor(obs.length / 2);
    let s = tpeStrategy.observe(JSON.parse(JSON.stringify(p.state)) as TpeState, obs.slice(0, half));
    s = tpeStrategy.observe(JSON.parse(JSON.stringify(s)) as TpeState, obs.slice(half));
    state = s;
  }
  return { state: state as TpeState, seen };
}

/** Hypervolume of the feasible results among `seen`, above a fixed reference. */
function hvOf(seen: readonly number[][]): number {
  const ref = [0, -1.01];
  const boxes = seen.flatMap((t) => {
    const o = evaluate(t).objectives;
    return o ? [o.map((x, k) => x - ref[k]!)] : [];
  });
  return hvUnion(boxes, 2);
}

describe('tpe', () => {
  it('is registered under its name', () => {
    expect(getStrategy('tpe')).toBe(tpeStrategy);
  });

  it('same seed and results give a bit-identical state, in any arrival order and through JSON', () => {
    const a = run(3, 8, 5);
    const b = run(3, 8, 5, { reorder: true });
    expect(JSON.stringify(a.state)).toBe(JSON.stringify(b.state));
    expect(JSON.stringify(run(4, 8, 5).state)).not.toBe(JSON.stringify(a.state));
    expect(a.state.pending).toEqual([]);
    expect(a.state.observed).toBe(40);
    // Failures are dropped; infeasible results are kept with null objectives.
    const crashes = a.seen.filter((t) => evaluate(t).reward === null).length;
    expect(a.state.trials.length).toBe(40 - crashes);
    expect(a.state.trials.some((t) => t.objectives === null)).toBe(true);
  });

  it('proposes from a state read back from JSON exactly as from the live one', () => {
    const { state } = run(7, 4, 6);
    const live = tpeStrategy.propose(state, 6, Rng.fromSeed('x'));
    const revived = tpeStrategy.propose(JSON.parse(JSON.stringify(state)), 6, Rng.fromSeed('x'));
    expect(revived).toEqual(live);
    // propose does not mutate its input.
    expect(JSON.stringify(state)).toBe(JSON.stringify(run(7, 4, 6).state));
  });

  it('a batch holds no repeats, also against proposals still pending', () => {
    for (const seed of [1, 2, 3]) {
      const { state } = run(seed, 6, 10);
      const p1 = tpeStrategy.propose(state, 10, Rng.fromSeed(seed));
      // A second batch asked before the first one's results: no repeats of the pending ones either.
      const p2 = tpeStrategy.propose(p1.state, 10, Rng.fromSeed(seed + 100));
      const keys = [...p1.tokens, ...p2.tokens].map((t) => t.join());
      expect(new Set(keys).size).toBe(20);
    }
  });

  it('without the liar the same models would repeat themselves: the pending ones move the next pick', () => {
    const { state } = run(5, 6, 10);
    const rng = () => Rng.fromSeed('liar');
    const alone = tpeStrategy.propose(state, 1, rng()).tokens[0]!;
    // Same draws, but with a batch pending that contains the pick: it must go elsewhere.
    const withPending: TpeState = structuredClone(state);
    withPending.pending = [{ id: '999.0', tokens: alone }];
    const moved = tpeStrategy.propose(withPending, 1, rng()).tokens[0]!;
    expect(moved).not.toEqual(alone);
  });

  it('finds a better front than random search with the same budget (median of 9 seeds)', () => {
    const hvs = (name: 'tpe' | 'random') =>
      [11, 12, 13, 14, 15, 16, 17, 18, 19].map((seed) => {
        const st = getStrategy(name);
        let state = st.init(cards, StrategySpec.parse({ name, seed }));
        const rng = Rng.fromSeed(seed);
        const seen: number[][] = [];
        for (let it = 0; it < 8; it++) {
          const p = st.propose(state, 6, rng);
          seen.push(...p.tokens);
          state = st.observe(
            p.state,
            p.tokens.map((t, k) => ({ tokens: t, proposalId: p.ids[k]!, ...evaluate(t) })),
          );
        }
        return hvOf(seen);
      });
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[4]!;
    expect(med(hvs('tpe'))).toBeGreaterThan(med(hvs('random')));
  });

  it('uses the spec settings and rejects bad ones', () => {
    const s = tpeStrategy.init(cards, spec({ tpe: { startupTrials: 4, candidates: 3, gamma: 0.25 } }));
    expect(s.params).toEqual({
      startupTrials: 4,
      candidates: 3,
      priorWeight: 1,
      gamma: 0.25,
      maxGood: 25,
      goodWeights: 'hypervolume',
    });
    const optuna4 = tpeStrategy.init(cards, spec({ tpe: { goodWeights: 'uniform', maxGood: 1000 } }));
    expect(optuna4.params).toMatchObject({ goodWeights: 'uniform', maxGood: 1000 });
    expect(() => spec({ tpe: { goodWeights: 'crowding' } })).toThrow();
    expect(() => spec({ tpe: { gamma: 0 } })).toThrow();
    expect(() => spec({ tpe: { cands: 3 } })).toThrow();
  });

  it('refuses foreign, corrupt and mismatched states and results', () => {
    const sp = spec();
    const st = tpeStrategy.init(cards, sp);
    expect(() => tpeStrategy.propose({ ...st, kind: 'evolution' }, 2, Rng.fromSeed(1))).toThrow(
      StrategyStateError,
    );
    expect(() => tpeStrategy.propose({ ...st, version: 99 }, 2, Rng.fromSeed(1))).toThrow(/version/);
    const corrupt = {
      ...st,
      trials: [{ id: '0.0', tokens: [9, 9, 9, 9, 9, 9, 9, 9, 9, 9], objectives: [1] }],
    };
    expect(() => tpeStrategy.propose(corrupt, 2, Rng.fromSeed(1))).toThrow(/trials do not match/);
    const mixed = {
      ...st,
      trials: [
        { id: '0.0', tokens: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], objectives: [1] },
        { id: '0.1', tokens: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], objectives: [1, 2] },
      ],
    };
    expect(() => tpeStrategy.observe(mixed, [])).toThrow(/mixed lengths/);
    expect(() =>
      tpeStrategy.propose({ ...st, params: { ...st.params, gamma: 2 } }, 1, Rng.fromSeed(1)),
    ).toThrow(/params/);

    const p = tpeStrategy.propose(st, 2, Rng.fromSeed(1));
    expect(() =>
      tpeStrategy.observe(p.state, [
        { tokens: p.tokens[0]!, proposalId: p.ids[0]!, reward: 1, objectives: [1, 2] },
        { tokens: p.tokens[1]!, proposalId: p.ids[1]!, reward: 1, objectives: [1, 2, 3] },
      ]),
    ).toThrow(/has 3 objectives, earlier results have 2/);
    expect(() =>
      tpeStrategy.observe(p.state, [{ tokens: p.tokens[0]!, proposalId: p.ids[0]!, reward: Number.NaN }]),
    ).toThrow(/finite/);

    // A state bound to one spec is refused by the controller of another.
    const a = new SpecBoundStrategy(sp, cards, 'spec-a');
    const b = new SpecBoundStrategy(sp, cards, 'spec-b');
    expect(() => b.propose(a.init(), 1, Rng.fromSeed(1))).toThrow(/belongs to spec spec-a/);
  });
});

describe('CategoricalParzen', () => {
  const small = [3, 1, 2];
  const centres = [
    [0, 0, 1],
    [2, 0, 1],
  ];
  const all: number[][] = [];
  for (let a = 0; a < 3; a++) for (let c = 0; c < 2; c++) all.push([a, 0, c]);

  it('is a distribution over the whole space, and its samples follow it', () => {
    const pz = new CategoricalParzen(small, centres, [1, 3], 1);
    const total = all.reduce((s, x) => s + Math.exp(pz.logPdf(x)), 0);
    expect(total).toBeCloseTo(1, 12);
    const rng = Rng.fromSeed('parzen');
    const counts = new Map<string, number>();
    const N = 40_000;
    for (let i = 0; i < N; i++) {
      const k = pz.sample(rng).join();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const x of all) {
      const p = Math.exp(pz.logPdf(x));
      const sd = Math.sqrt((p * (1 - p)) / N);
      expect(Math.abs((counts.get(x.join()) ?? 0) / N - p)).toBeLessThan(5 * sd);
    }
  });

  it('matches Optuna’s kernel: mass 1 + a on the centre and a on each choice, a = prior / kernels', () => {
    // One centre, prior weight 1: two kernels, a = 1/2; mixture weights 1/2, 1/2.
    const pz = new CategoricalParzen([3], [[1]], [1], 1);
    const kernel = (x: number) => ((x === 1 ? 1 : 0) + 0.5) / (1 + 3 * 0.5);
    for (const x of [0, 1, 2]) expect(Math.exp(pz.logPdf([x]))).toBeCloseTo(0.5 * kernel(x) + 0.5 / 3, 12);
    // No centres: the uniform prior alone.
    expect(Math.exp(new CategoricalParzen([3, 2], [], [], 1).logPdf([0, 1]))).toBeCloseTo(1 / 6, 12);
  });
});

describe('MOTPE split', () => {
  it('fast non-dominated ranks equal the reference ranks', () => {
    const rng = Rng.fromSeed('ranks');
    for (let rep = 0; rep < 20; rep++) {
      const vs = Array.from({ length: 40 }, () => [rng.int(6), rng.int(6), rng.int(3)]);
      expect(fastNondominatedRanks(vs)).toEqual(nondominatedRanks(vs));
      // Stopping early ranks at least `needed` and leaves the rest unranked.
      const part = fastNondominatedRanks(vs, 5);
      const ranked = part.filter(Number.isFinite).length;
      expect(ranked).toBeGreaterThanOrEqual(5);
      part.forEach((r, i) => {
        if (Number.isFinite(r)) expect(r).toBe(nondominatedRanks(vs)[i]);
      });
    }
  });

  it('takes whole fronts, then the hypervolume-greedy part of the next one', () => {
    const vs = [
      [1, 0.1], // front 0
      [0.1, 1], // front 0
      [0.5, 0.5], // front 0
      [0.9, 0.05], // front 1
      [0.05, 0.9], // front 1
      [0.4, 0.4], // front 1
      [0, 0], // front 2
    ];
    expect(selectBelow(vs, 3)).toEqual([0, 1, 2]);
    // One more from front 1: the reference sits 10% beyond front 1's worst values, so the
    // balanced point adds the most area.
    expect(selectBelow(vs, 4)).toEqual([0, 1, 2, 5]);
    expect(selectBelow(vs, 0)).toEqual([]);
    expect(selectBelow(vs, 99)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('greedy HSSP picks the best single point exactly, and never a dominated duplicate first', () => {
    const rng = Rng.fromSeed('hssp');
    for (let rep = 0; rep < 20; rep++) {
      const vs = Array.from({ length: 12 }, () => [rng.next(), rng.next()]);
      const ref = tieBreakReference(vs);
      const idx = vs.map((_, i) => i);
      const [first] = greedyHssp(vs, idx, 1, ref);
      const area = (v: number[]) => (v[0]! - ref[0]!) * (v[1]! - ref[1]!);
      const bestArea = Math.max(...vs.map(area));
      expect(area(vs[first!]!)).toBe(bestArea);
      const picked = greedyHssp(vs, idx, 4, ref);
      expect(new Set(picked).size).toBe(4);
    }
  });

  it('infeasible trials fill the good set only when too few are feasible', () => {
    const t = (id: string, objectives: number[] | null) => ({ id, tokens: [0], objectives });
    const trials = [t('0.0', null), t('0.1', [1, 1]), t('0.2', [0, 0]), t('0.3', null)];
    expect(splitTrials(trials, 0.25).below).toEqual([1]);
    expect(splitTrials(trials, 0.75)).toEqual({ below: [0, 1, 2], above: [3] });
  });

  it('the good set is capped at maxGood (Optuna 3: min(⌈0.1·n⌉, 25))', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({
      id: `0.${i}`,
      tokens: [0],
      objectives: [i % 37, (i * 7) % 41],
    }));
    expect(splitTrials(many, 0.1).below).toHaveLength(40);
    expect(splitTrials(many, 0.1, 25).below).toHaveLength(25);
  });

  it('hypervolume weights are Optuna 3’s: leave-one-out contributions over the largest, 1e-12 for the rest', () => {
    // Optuna's reference: worst loss −1 on both axes -> max(1.1·−1, 0.9·−1) = −0.9, i.e. 0.9 here.
    // Above it, [2, 2] alone covers (0.9, 2] × (0.9, 2] minus the strips the other two cover:
    // 1 × 1; [3, 1] and [1, 3] add 1 × 0.1 each; [1, 1] adds nothing.
    const vs = [[3, 1], [1, 3], [2, 2], [1, 1], null];
    const w = hypervolumeWeights(vs);
    expect(w[0]).toBeCloseTo(0.1, 9);
    expect(w[1]).toBeCloseTo(0.1, 9);
    expect(w[2]).toBe(1);
    expect(w[3]).toBeLessThan(1e-9);
    expect(w[4]).toBe(1e-12);
    expect(hypervolumeWeights([[1, 1]])).toEqual([1]);
    // Above (0.9, 0.9): [4, 1] adds 2 × 0.1, [1, 2] 0.1 × 0.5, [2, 1.5] 1 × 0.5.
    const skew = hypervolumeWeights([
      [4, 1],
      [1, 2],
      [2, 1.5],
    ]);
    expect(skew[0]).toBeCloseTo(0.4, 9);
    expect(skew[1]).toBeCloseTo(0.1, 9);
    expect(skew[2]).toBe(1);
  });

  it('ramp weights are Optuna’s default_weights', () => {
    expect(rampWeights(3)).toEqual([1, 1, 1]);
    const w = rampWeights(30);
    expect(w.length).toBe(30);
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
    // numpy.linspace(1/30, 1, 5)
    const linspace = [1 / 30, 0.275, 0.5166666666666667, 0.7583333333333333, 1];
    for (const [i, x] of linspace.entries()) expect(w[i]).toBeCloseTo(x, 12);
  });
});
