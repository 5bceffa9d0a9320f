// Multi-objective Bayesian optimization over categorical decisions (`mobo`): one Gaussian process
// per objective (and one for feasibility once something was infeasible) on the token sequences,
// and batches picked by expected hypervolume improvement with the kriging believer.
//
// - Startup: the first `startupTrials` results come from a balanced design (each decision's
//   choices equally often, shuffled per decision), not from the models.
// - Surrogates (gp.ts): an additive-over-groups plus interaction kernel on Hamming mismatches,
//   so what is learned of a network carries over to other accelerators; hyper-parameters by MAP,
//   warm-started from the previous batch's fit (kept in the state).
// - Candidates: every one-decision neighbour of the observed first front, random two-decision
//   neighbours of it, and uniform draws; sequences already observed or pending are left out (a
//   repeat is a sample that teaches nothing).
// - Acquisition: expected hypervolume improvement over the observed front (Monte Carlo with common
//   normal draws, on a shortlist ranked by the improvement of the optimistic point μ + 2σ), times
//   the probability of feasibility. The reference point sits 10% of the observed range below the
//   worst observed value on each axis.
// - Batches: after each pick the models are conditioned on the pick at its predicted mean (kriging
//   believer: variances near it shrink, means stay) and the predicted point joins the front, so the
//   next pick goes elsewhere. Proposals still pending are treated the same way first.
// Objectives are the observed vectors (larger is better), else [reward]; null is infeasible and
// failures (reward null) are dropped, as in `tpe`.
import type { Rng } from '../rng.js';
import type { StrategySpec } from '../spec/schema.js';
import {
  addPending,
  baseState,
  checkBatchSize,
  matchObservations,
  openState,
  StrategyStateError,
} from './common.js';
import { selectBelow } from './front-split.js';
import {
  defaultHyper,
  FittedGp,
  fitGp,
  type GpHyper,
  type GpLayout,
  gpLayout,
  type PoolPosterior,
} from './gp.js';
import { hvUnion } from './pareto.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';
import { checkTrials, insertTrials, type TpeTrial, trialsOf } from './tpe.js';

/** Fixed a priori (not fitted to any benchmark); see the module comment. */
export const MOBO_SETTINGS = {
  startupTrials: 10,
  /** Uniform draws in the candidate pool. */
  poolRandom: 400,
  /** Random two-decision neighbours of the front in the pool. */
  poolPairs: 200,
  /** At most this many front points are expanded into neighbours. */
  frontCap: 40,
  /** Candidates whose expected improvement is estimated, and the draws it uses. */
  shortlist: 50,
  draws: 64,
  /** Observations a model is fitted on / conditioned on, at most (best half + most recent). */
  fitPoints: 64,
  modelPoints: 120,
  /** Adam steps of the first fit and of each warm-started one. */
  firstFitSteps: 40,
  warmFitSteps: 10,
} as const;

export type MoboState = StrategyState & {
  /** Group index per decision (the spec's decision groups, in order of first appearance). */
  groupOf: number[];
  trials: TpeTrial[];
  /** Last fitted hyper-parameters (warm start): one per objective, and the feasibility model's. */
  hyper: { objectives: GpHyper[]; feasible: GpHyper | null };
};

const key = (t: readonly number[]) => t.join(',');

function openMobo(state: MoboState): MoboState {
  const s = openState(state, 'mobo');
  checkTrials(s.trials, s.cardinalities);
  const D = s.cardinalities.length;
  const groupsOk =
    Array.isArray(s.groupOf) &&
    s.groupOf.length === D &&
    s.groupOf.every((g) => Number.isInteger(g) && g >= 0);
  if (!groupsOk) throw new StrategyStateError('strategy state: groupOf does not match the space');
  const G = Math.max(...s.groupOf) + 1;
  const hyperOk = (h: GpHyper | null | undefined) =>
    h === null ||
    (h !== undefined &&
      Array.isArray(h.logW) &&
      h.logW.length === D &&
      Array.isArray(h.logGroupVar) &&
      h.logGroupVar.length === G &&
      [...h.logW, ...h.logGroupVar, h.logJointVar, h.logNoise].every(
        (x) => typeof x === 'number' && Number.isFinite(x),
      ));
  if (
    !s.hyper ||
    !Array.isArray(s.hyper.objectives) ||
    !s.hyper.objectives.every(hyperOk) ||
    !hyperOk(s.hyper.feasible)
  )
    throw new StrategyStateError('strategy state: hyper does not match the space');
  return s;
}

/** A balanced design: each decision's choices as equally often as n allows, shuffled per decision. */
export function balancedDesign(cardinalities: readonly number[], n: number, rng: Rng): number[][] {
  const cols = cardinalities.map((c) => {
    const offset = rng.int(c);
    return rng.shuffle(Array.from({ length: n }, (_, i) => (i + offset) % c));
  });
  return Array.from({ length: n }, (_, i) => cols.map((col) => col[i]!));
}

/** Standard normal CDF (W. J. Cody's erfc rational approximation via Numerical Recipes' erfcc). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Hypervolume improvement of y over a front, above a reference (larger is better). */
export class FrontHv {
  /** Sorted by the first axis, descending (the 2-D sweep's order). */
  private front: number[][] = [];

  constructor(
    readonly reference: readonly number[],
    points: readonly (readonly number[])[],
  ) {
    for (const p of points) this.add(p);
  }

  add(p: readonly number[]): void {
    if (this.front.some((f) => f.every((x, k) => x >= p[k]!))) return;
    this.front = this.front.filter((f) => !p.every((x, k) => x >= f[k]!));
    this.front.push([...p]);
    this.front.sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]!);
  }

  improvement(y: readonly number[]): number {
    const r = this.reference;
    const d = r.length;
    let vol = 1;
    for (let k = 0; k < d; k++) {
      const side = y[k]! - r[k]!;
      if (!(side > 0)) return 0;
      vol *= side;
    }
    if (d === 2) {
      let covered = 0;
      let top = 0;
      for (const f of this.front) {
        const cx = Math.min(f[0]!, y[0]!) - r[0]!;
        const cy = Math.min(f[1]!, y[1]!) - r[1]!;
        if (cx <= 0 || cy <= top) continue;
        covered += cx * (cy - top);
        top = cy;
      }
      return Math.max(0, vol - covered);
    }
    const clipped = this.front
      .map((f) => f.map((x, k) => Math.min(x, y[k]!) - r[k]!))
      .filter((v) => v.every((x) => x > 0));
    return Math.max(0, vol - hvUnion(clipped, d));
  }
}

/** The reference point: 10% of the observed range below the worst observed value, per axis. */
export function referencePoint(points: readonly (readonly number[])[]): number[] {
  const d = points[0]!.length;
  return Array.from({ length: d }, (_, k) => {
    const xs = points.map((p) => p[k]!);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo - (hi > lo ? 0.1 * (hi - lo) : 1e-6 * Math.max(1, Math.abs(lo)));
  });
}

/** The trials a model sees: all if few, else the best half (fronts, HSSP) and the most recent. */
function modelSubset(trials: readonly TpeTrial[], cap: number): TpeTrial[] {
  if (trials.length <= cap) return [...trials];
  const feasible = trials.filter((t) => t.objectives);
  const best = new Set(
    selectBelow(
      feasible.map((t) => t.objectives!),
      Math.floor(cap / 2),
    ).map((i) => feasible[i]!),
  );
  const rest = trials.filter((t) => !best.has(t));
  return [...best, ...rest.slice(rest.length - (cap - best.size))];
}

/** Candidate pool: neighbours of the front and uniform draws, minus what was seen or is pending. */
function candidatePool(
  cardinalities: readonly number[],
  front: readonly (readonly number[])[],
  seen: ReadonlySet<string>,
  rng: Rng,
): number[][] {
  const out = new Map<string, number[]>();
  const put = (t: number[]) => {
    const k = key(t);
    if (!seen.has(k) && !out.has(k)) out.set(k, t);
  };
  const free = cardinalities.flatMap((c, d) => (c > 1 ? [d] : []));
  for (const f of front)
    for (const d of free)
      for (let c = 0; c < cardinalities[d]!; c++)
        if (c !== f[d]) {
          const t = [...f];
          t[d] = c;
          put(t);
        }
  if (front.length > 0 && free.length >= 2)
    for (let i = 0; i < MOBO_SETTINGS.poolPairs; i++) {
      const t = [...front[rng.int(front.length)]!];
      const a = free[rng.int(free.length)]!;
      let b = free[rng.int(free.length - 1)]!;
      if (b === a) b = free[free.length - 1]!;
      t[a] = (t[a]! + 1 + rng.int(cardinalities[a]! - 1)) % cardinalities[a]!;
      t[b] = (t[b]! + 1 + rng.int(cardinalities[b]! - 1)) % cardinalities[b]!;
      put(t);
    }
  for (let i = 0; i < MOBO_SETTINGS.poolRandom; i++) put(cardinalities.map((c) => rng.int(c)));
  return [...out.values()];
}

/** First-front trials (feasible), at most `cap`, spread by HSSP when there are more. */
function frontTrials(trials: readonly TpeTrial[], cap: number): TpeTrial[] {
  const feasible = trials.filter((t) => t.objectives);
  const vs = feasible.map((t) => t.objectives!);
  const first = feasible.filter((_, i) => !vs.some((u, j) => j !== i && dominatesVec(u, vs[i]!)));
  if (first.length <= cap) return first;
  const sel = selectBelow(
    first.map((t) => t.objectives!),
    cap,
  );
  return sel.map((i) => first[i]!);
}

function dominatesVec(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! < b[k]!) return false;
    if (a[k]! > b[k]!) better = true;
  }
  return better;
}

export const moboStrategy: Strategy<MoboState> = {
  name: 'mobo',
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): MoboState {
    const names: string[] = [];
    const groupOf = cardinalities.map((_, d) => {
      const g = options?.groups?.[d] ?? 'all';
      if (!names.includes(g)) names.push(g);
      return names.indexOf(g);
    });
    return {
      ...baseState('mobo', cardinalities, spec, options),
      groupOf,
      trials: [],
      hyper: { objectives: [], feasible: null },
    };
  },
  propose(state: MoboState, n: number, rng: Rng): Proposal<MoboState> {
    checkBatchSize(n);
    const s = openMobo(state);
    const feasible = s.trials.filter((t) => t.objectives);
    let tokens: number[][];
    if (s.trials.length < MOBO_SETTINGS.startupTrials || feasible.length < 2)
      tokens = balancedDesign(s.cardinalities, n, rng);
    else tokens = pickBatch(s, n, rng);
    const ids = addPending(s, tokens);
    return { state: s, tokens, ids };
  },
  observe(state: MoboState, observations: readonly Observation[]): MoboState {
    const s = openMobo(state);
    insertTrials(s.trials, trialsOf('mobo', matchObservations(s, observations), s.trials));
    return s;
  },
};

/** The model of one target over a subset of trials, fitted (warm-started) and conditioned. */
function model(
  layout: GpLayout,
  D: number,
  X: number[][],
  y: number[],
  fitN: number,
  warm: GpHyper | null | undefined,
): { hyper: GpHyper; gp: FittedGp } {
  // Fit on the first fitN (the subset lists its best trials first, then the most recent).
  const start = warm ?? defaultHyper(layout, D);
  const steps = warm ? MOBO_SETTINGS.warmFitSteps : MOBO_SETTINGS.firstFitSteps;
  const hyper = fitGp(layout, X.slice(0, fitN), y.slice(0, fitN), start, steps);
  return { hyper, gp: new FittedGp(layout, hyper, X, y) };
}

function pickBatch(s: MoboState, n: number, rng: Rng): number[][] {
  const D = s.cardinalities.length;
  const layout = gpLayout(s.cardinalities, s.groupOf);
  const feasible = s.trials.filter((t) => t.objectives);
  const dims = feasible[0]!.objectives!.length;

  // Models of each objective, on feasible trials.
  const sub = modelSubset(feasible, MOBO_SETTINGS.modelPoints);
  const X = sub.map((t) => t.tokens);
  const objModels = Array.from({ length: dims }, (_, k) =>
    model(
      layout,
      D,
      X,
      sub.map((t) => t.objectives![k]!),
      MOBO_SETTINGS.fitPoints,
      s.hyper.objectives[k],
    ),
  );
  s.hyper.objectives = objModels.map((m) => m.hyper);
  // Feasibility, once both outcomes were seen: ±1 labels.
  const anyInfeasible = s.trials.some((t) => !t.objectives);
  let feasModel: { hyper: GpHyper; gp: FittedGp } | null = null;
  if (anyInfeasible) {
    const fs = modelSubset(s.trials, MOBO_SETTINGS.modelPoints);
    feasModel = model(
      layout,
      D,
      fs.map((t) => t.tokens),
      fs.map((t) => (t.objectives ? 1 : -1)),
      MOBO_SETTINGS.fitPoints,
      s.hyper.feasible,
    );
    s.hyper.feasible = feasModel.hyper;
  }

  // Pool: pending proposals first (to be fantasized), then the candidates.
  const seen = new Set([...s.trials.map((t) => key(t.tokens)), ...s.pending.map((e) => key(e.tokens))]);
  const front = frontTrials(s.trials, MOBO_SETTINGS.frontCap);
  const candidates = candidatePool(
    s.cardinalities,
    front.map((t) => t.tokens),
    seen,
    rng,
  );
  const pending = s.pending.map((e) => e.tokens);
  const items = [...pending, ...candidates];
  const post: PoolPosterior[] = objModels.map((m) => m.gp.pool(items));
  const feasPost = feasModel?.gp.pool(items) ?? null;
  const pFeasible = (p: number) =>
    feasPost ? normalCdf(feasPost.meanOf(p) / Math.max(1e-9, feasPost.sdOf(p))) : 1;

  const observed = feasible.map((t) => t.objectives!);
  const hv = new FrontHv(referencePoint(observed), observed);
  const meanVec = (p: number) => post.map((m) => m.meanOf(p));
  const condition = (p: number) => {
    for (const m of post) m.condition(p);
    feasPost?.condition(p);
    hv.add(meanVec(p));
  };
  for (let p = 0; p < pending.length; p++) condition(p);

  const draws = Array.from({ length: MOBO_SETTINGS.draws }, () =>
    Array.from({ length: dims }, () => rng.normal()),
  );
  const taken = new Set<number>();
  const out: number[][] = [];
  for (let q = 0; q < n; q++) {
    // Shortlist by the improvement of the optimistic point, then Monte Carlo EHVI on it.
    const scored: { p: number; ucb: number; spread: number }[] = [];
    for (let p = pending.length; p < items.length; p++) {
      if (taken.has(p)) continue;
      const opt = post.map((m) => m.meanOf(p) + 2 * m.sdOf(p));
      scored.push({
        p,
        ucb: hv.improvement(opt) * pFeasible(p),
        spread: post.reduce((a, m) => a + m.sdOf(p), 0),
      });
    }
    if (scored.length === 0) {
      // Everything near the front was seen: fall back to uniform draws.
      out.push(s.cardinalities.map((c) => rng.int(c)));
      continue;
    }
    scored.sort((a, b) => b.ucb - a.ucb || a.p - b.p);
    let best = scored[0]!;
    let bestValue = 0;
    for (const c of scored.slice(0, MOBO_SETTINGS.shortlist)) {
      if (c.ucb <= 0) break;
      const mu = post.map((m) => m.meanOf(c.p));
      const sd = post.map((m) => m.sdOf(c.p));
      let sum = 0;
      for (const z of draws) sum += hv.improvement(mu.map((x, k) => x + sd[k]! * z[k]!));
      const value = (sum / draws.length) * pFeasible(c.p);
      if (value > bestValue) [best, bestValue] = [c, value];
    }
    // Nothing promises any improvement: explore where the models know least.
    if (best.ucb <= 0) best = scored.reduce((a, b) => (b.spread > a.spread ? b : a));
    taken.add(best.p);
    out.push([...items[best.p]!]);
    condition(best.p);
  }
  return out;
}
