import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { cholesky, defaultHyper, FittedGp, fitGp, gpLayout } from '../../../core/search/gp.js';
import { getStrategy, SpecBoundStrategy, StrategyStateError } from '../../../core/search/index.js';
import {
  balancedDesign,
  FrontHv,
  type MoboState,
  moboStrategy,
  normalCdf,
  referencePoint,
} from '../../../core/search/mobo.js';
import { hvUnion } from '../../../core/search/pareto.js';
import type { Observation, StrategyState } from '../../../core/search/strategy.js';
import type { DecisionGroup } from '../../../core/space/types.js';
import { StrategySpec } from '../../../core/spec/schema.js';

const cards = [4, 4, 4, 4, 1, 4, 4, 4, 4, 3];
const groups: DecisionGroup[] = [
  'network',
  'network',
  'network',
  'network',
  'network',
  'accelerator',
  'accelerator',
  'accelerator',
  'accelerator',
  'hyperparameters',
];
const weights = (() => {
  const r = Rng.fromSeed('mobo-toy');
  return cards.map((c) => Array.from({ length: c }, () => [r.next(), r.next()]));
})();

/** The same kind of toy as tpe.test.ts: size trade-off plus seeded main effects; infeasible and crashing corners. */
function evaluate(t: readonly number[]): Pick<Observation, 'reward' | 'objectives'> {
  if (t[9] === 2 && t[0] === 3) return { reward: null };
  if (t[1] === 3 && t[5] === 3) return { reward: 0, objectives: null };
  const size = t[0]! + t[1]! + t[2]!;
  let f0 = size / 9;
  let f1 = -size / 9;
  t.forEach((x, d) => {
    f0 += 0.1 * weights[d]![x]![0]!;
    f1 += 0.1 * weights[d]![x]![1]!;
  });
  return { reward: f0 + f1, objectives: [f0, f1] };
}

const spec = (seed = 0) => StrategySpec.parse({ name: 'mobo', seed });

function run(seed: number, iterations: number, batch: number, reorder = false) {
  let state: StrategyState = moboStrategy.init(cards, spec(seed), { groups });
  const rng = Rng.fromSeed(seed);
  const seen: number[][] = [];
  for (let it = 0; it < iterations; it++) {
    const p = moboStrategy.propose(JSON.parse(JSON.stringify(state)) as MoboState, batch, rng);
    seen.push(...p.tokens);
    const obs: Observation[] = p.tokens.map((t, k) => ({ tokens: t, proposalId: p.ids[k]!, ...evaluate(t) }));
    if (reorder) obs.reverse();
    state = moboStrategy.observe(JSON.parse(JSON.stringify(p.state)) as MoboState, obs);
  }
  return { state: state as MoboState, seen };
}

describe('mobo', () => {
  it('is registered under its name', () => {
    expect(getStrategy('mobo')).toBe(moboStrategy);
  });

  it('same seed and results give a bit-identical state, in any arrival order and through JSON', () => {
    const a = run(3, 4, 5);
    const b = run(3, 4, 5, true);
    expect(JSON.stringify(a.state)).toBe(JSON.stringify(b.state));
    expect(JSON.stringify(run(4, 4, 5).state)).not.toBe(JSON.stringify(a.state));
    expect(a.state.observed).toBe(20);
    // The models were fitted (past startup) and their hyper-parameters kept for the next fit.
    expect(a.state.hyper.objectives).toHaveLength(2);
    // Decision groups are kept per decision, in order of first appearance.
    expect(a.state.groupOf).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 2]);
  });

  it('proposes from a state read back from JSON exactly as from the live one, without mutating it', () => {
    const { state } = run(7, 3, 6);
    const before = JSON.stringify(state);
    const live = moboStrategy.propose(state, 6, Rng.fromSeed('x'));
    expect(JSON.stringify(state)).toBe(before);
    expect(moboStrategy.propose(JSON.parse(before), 6, Rng.fromSeed('x'))).toEqual(live);
  });

  it('never repeats an observed or pending sequence, nor one within a batch', () => {
    const { state, seen } = run(5, 3, 10);
    const p1 = moboStrategy.propose(state, 10, Rng.fromSeed(1));
    const p2 = moboStrategy.propose(p1.state, 10, Rng.fromSeed(2));
    const keys = [...seen, ...p1.tokens, ...p2.tokens].map((t) => t.join());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('finds a better front than random search with the same budget (median of 5 seeds)', () => {
    const ref = [0, -1.01];
    const hvOf = (seen: readonly number[][]) =>
      hvUnion(
        seen.flatMap((t) => {
          const o = evaluate(t).objectives;
          return o ? [o.map((x, k) => x - ref[k]!)] : [];
        }),
        2,
      );
    const hvs = (name: 'mobo' | 'random') =>
      [11, 12, 13, 14, 15].map((seed) => {
        const st = getStrategy(name);
        let state = st.init(cards, StrategySpec.parse({ name, seed }), { groups });
        const rng = Rng.fromSeed(seed);
        const seen: number[][] = [];
        for (let it = 0; it < 4; it++) {
          const p = st.propose(state, 6, rng);
          seen.push(...p.tokens);
          state = st.observe(
            p.state,
            p.tokens.map((t, k) => ({ tokens: t, proposalId: p.ids[k]!, ...evaluate(t) })),
          );
        }
        return hvOf(seen);
      });
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
    expect(med(hvs('mobo'))).toBeGreaterThan(med(hvs('random')));
  });

  it('refuses foreign and corrupt states, and states of another spec', () => {
    const st = moboStrategy.init(cards, spec(), { groups });
    const rng = Rng.fromSeed(1);
    expect(() => moboStrategy.propose({ ...st, kind: 'tpe' }, 1, rng)).toThrow(StrategyStateError);
    expect(() => moboStrategy.propose({ ...st, groupOf: [0] }, 1, rng)).toThrow(/groupOf/);
    const badHyper = { objectives: [{ ...defaultHyper(gpLayout(cards, st.groupOf), 3) }], feasible: null };
    expect(() => moboStrategy.propose({ ...st, hyper: badHyper }, 1, rng)).toThrow(/hyper/);
    const badTrials = [{ id: '0.0', tokens: [0], objectives: [1] }];
    expect(() => moboStrategy.observe({ ...st, trials: badTrials }, [])).toThrow(/trials/);
    const a = new SpecBoundStrategy(spec(), cards, 'spec-a', { groups });
    const b = new SpecBoundStrategy(spec(), cards, 'spec-b', { groups });
    expect(() => b.propose(a.init(), 1, rng)).toThrow(/belongs to spec spec-a/);
  });

  it('starts with a balanced design: every choice of a decision equally often', () => {
    const design = balancedDesign([3, 2, 4], 12, Rng.fromSeed('design'));
    [3, 2, 4].forEach((c, d) => {
      const counts = new Array(c).fill(0);
      for (const row of design) counts[row[d]!]++;
      expect(counts).toEqual(new Array(c).fill(12 / c));
    });
  });
});

describe('gp', () => {
  const layout = gpLayout([3, 3, 2, 1, 4], [0, 0, 1, 1, 1]);
  const rng = Rng.fromSeed('gp');
  const X = Array.from({ length: 30 }, () => [rng.int(3), rng.int(3), rng.int(2), 0, rng.int(4)]);
  // Depends on decision 0 strongly, on 4 a little, not at all on 1 and 2.
  const f = (x: readonly number[]) => [0, 1.5, -1][x[0]!]! + 0.2 * x[4]!;
  const y = X.map(f);

  it('Cholesky factors a positive definite matrix', () => {
    const a = Float64Array.from([4, 2, 0.4, 2, 3, 0.5, 0.4, 0.5, 2]);
    const l = cholesky(a, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += l[i * 3 + k]! * l[j * 3 + k]!;
        expect(s).toBeCloseTo(a[i * 3 + j]!, 12);
      }
  });

  it('the fit learns which decisions matter and the posterior follows the data', () => {
    const h = fitGp(layout, X, y, defaultHyper(layout, 5), 60);
    expect(h.logW[0]).toBeGreaterThan(h.logW[1]!);
    expect(h.logW[0]).toBeGreaterThan(h.logW[2]!);
    const gp = new FittedGp(layout, h, X, y);
    const unseen = [
      [1, 2, 1, 0, 3],
      [2, 0, 0, 0, 1],
    ];
    const pool = gp.pool([...X.slice(0, 3), ...unseen]);
    for (let p = 0; p < 3; p++) expect(pool.meanOf(p)).toBeCloseTo(y[p]!, 1);
    // Generalizes to combinations it never saw, from the decision that matters.
    for (const [k, x] of unseen.entries()) expect(Math.abs(pool.meanOf(3 + k) - f(x))).toBeLessThan(0.3);
  });

  it('conditioning on a fantasy keeps the means and shrinks the variance near it', () => {
    const gp = new FittedGp(layout, defaultHyper(layout, 5), X.slice(0, 5), y.slice(0, 5));
    const items = [
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1],
      [2, 2, 1, 0, 3],
    ];
    const post = gp.pool(items);
    const mu = items.map((_, p) => post.meanOf(p));
    const sd = items.map((_, p) => post.sdOf(p));
    post.condition(0);
    for (let p = 0; p < items.length; p++) expect(post.meanOf(p)).toBeCloseTo(mu[p]!, 12);
    expect(post.sdOf(0)).toBeLessThan(0.5 * sd[0]!);
    expect(post.sdOf(1)).toBeLessThan(sd[1]!);
    expect(sd[1]! - post.sdOf(1)).toBeGreaterThan(sd[2]! - post.sdOf(2));
  });
});

describe('hypervolume improvement', () => {
  it('equals the hypervolume gained, in 2-D and 3-D', () => {
    const rng = Rng.fromSeed('hvi');
    for (const d of [2, 3])
      for (let rep = 0; rep < 30; rep++) {
        const pts = Array.from({ length: 8 }, () => Array.from({ length: d }, () => rng.next()));
        const ref = referencePoint(pts);
        const hv = new FrontHv(ref, pts);
        const y = Array.from({ length: d }, () => rng.next() * 1.2);
        const shift = (v: number[]) => v.map((x, k) => x - ref[k]!);
        const inside = (vs: number[][]) => vs.map(shift).filter((v) => v.every((x) => x > 0));
        const expected = hvUnion(inside([...pts, y]), d) - hvUnion(inside(pts), d);
        expect(hv.improvement(y)).toBeCloseTo(expected, 12);
      }
  });

  it('the normal CDF is accurate to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 7);
    expect(normalCdf(-2)).toBeCloseTo(0.022750131948179195, 7);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 7);
  });
});
