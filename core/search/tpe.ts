// Multivariate, multi-objective TPE over categorical decisions, after Optuna's TPESampler with
// `multivariate=True` (Bergstra et al. 2011; Falkner et al. 2018 for the joint model; Ozaki et al.
// 2020/2022 for MOTPE), with Optuna 3.1's defaults. After `startupTrials` random samples:
// - the observed trials are split into a good set (the best min(⌈γ·n⌉, 25): whole non-domination
//   fronts, the last one cut by greedy hypervolume subset selection; see front-split.ts) and the
//   rest;
// - each set becomes a mixture of product kernels, one per trial plus a uniform prior, so the
//   decisions are modelled jointly: a kernel puts mass 1 + a on its trial's choice and a on every
//   choice (a = priorWeight / kernels), per decision (Aitchison–Aitken style);
// - `candidates` draws from the good model l(x) are scored by log l(x) − log g(x), the best is taken.
// The good set's kernels are weighted by their hypervolume contributions (Optuna 3; Optuna 4 weighs
// them equally: `goodWeights: "uniform"`), the bad set's older ones are down-weighted by Optuna's
// ramp. Infeasible trials (objectives null) go to the bad set unless there are too few feasible
// ones; failed ones (reward null) carry no information and are dropped.
//
// Batches: the constant liar (Optuna 3.1 ignores running trials in multi-objective studies, so it
// would propose a batch from one unchanged model). Every proposal still pending, and every one made
// earlier in the same batch, is counted in the bad set, so the next pick moves away from it. On top
// of that, a draw equal to a pending proposal is skipped when another draw is left, so one batch
// holds no repeats.
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
import { selectBelow, tieBreakReference } from './front-split.js';
import { hvUnion } from './pareto.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

export interface TpeParams {
  /** Trials observed (failures excluded) before the models are used; random until then. */
  startupTrials: number;
  /** Draws from l(x) scored per proposal (Optuna's n_ei_candidates). */
  candidates: number;
  /** Weight of the uniform prior kernel, and the smoothing of every kernel. */
  priorWeight: number;
  /** Share of the trials in the good set: min(⌈γ·n⌉, maxGood). */
  gamma: number;
  maxGood: number;
  /**
   * Weights of the good set's kernels: each one's hypervolume contribution within the good set
   * (Optuna 3.x MOTPE), or all equal (Optuna 4.x).
   */
  goodWeights: 'hypervolume' | 'uniform';
}

/**
 * Optuna 3.1's defaults (the version Debian ships, and the one whose figures the issue quotes:
 * about 65 samples one at a time on digits-bench, which our port reproduces). Optuna 4 dropped the
 * cap on the good set and weighs it uniformly; that mode is slower here (see the README).
 */
export const TPE_DEFAULTS: Readonly<TpeParams> = {
  startupTrials: 10,
  candidates: 24,
  priorWeight: 1,
  gamma: 0.1,
  maxGood: 25,
  goodWeights: 'hypervolume',
};

export interface TpeTrial {
  /** Proposal id (`round.index`): the trial order the bad set's ramp weights follow. */
  id: string;
  tokens: number[];
  /** Larger is better on every axis; null: infeasible. */
  objectives: number[] | null;
}

export type TpeState = StrategyState & {
  params: TpeParams;
  /** Observed trials with information (failures dropped), in proposal order. */
  trials: TpeTrial[];
};

/** Proposal order of two ids `round.index`. */
export function compareIds(a: string, b: string): number {
  const [ra, ia] = a.split('.').map(Number) as [number, number];
  const [rb, ib] = b.split('.').map(Number) as [number, number];
  return ra - rb || ia - ib;
}

const isVector = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function checkParams(p: TpeParams): void {
  const ok =
    p !== null &&
    typeof p === 'object' &&
    Number.isInteger(p.startupTrials) &&
    p.startupTrials >= 0 &&
    Number.isInteger(p.candidates) &&
    p.candidates >= 1 &&
    Number.isFinite(p.priorWeight) &&
    p.priorWeight > 0 &&
    Number.isFinite(p.gamma) &&
    p.gamma > 0 &&
    p.gamma <= 1 &&
    Number.isInteger(p.maxGood) &&
    p.maxGood >= 1 &&
    (p.goodWeights === 'hypervolume' || p.goodWeights === 'uniform');
  if (!ok) throw new StrategyStateError(`strategy state: tpe params are invalid (${JSON.stringify(p)})`);
}

/** Checks the trials of a TPE-family state: tokens in the space, one objective length. */
export function checkTrials(trials: unknown, cardinalities: readonly number[], what = 'trials'): void {
  const ok =
    Array.isArray(trials) &&
    trials.every(
      (t: TpeTrial) =>
        typeof t?.id === 'string' &&
        /^\d+\.\d+$/.test(t.id) &&
        Array.isArray(t.tokens) &&
        t.tokens.length === cardinalities.length &&
        t.tokens.every((x, i) => Number.isInteger(x) && x >= 0 && x < cardinalities[i]!) &&
        (t.objectives === null || isVector(t.objectives)),
    );
  if (!ok) throw new StrategyStateError(`strategy state: ${what} do not match the space`);
  const dims = new Set((trials as TpeTrial[]).flatMap((t) => (t.objectives ? [t.objectives.length] : [])));
  if (dims.size > 1) throw new StrategyStateError(`strategy state: ${what} have objectives of mixed lengths`);
}

function openTpe(state: TpeState): TpeState {
  const s = openState(state, 'tpe');
  checkParams(s.params);
  checkTrials(s.trials, s.cardinalities);
  return s;
}

/**
 * The trial records of matched observations: the objective vector when given, else [reward]
 * (single-objective TPE); null objectives mean infeasible. Failures (reward null) are dropped.
 */
export function trialsOf(
  strategy: string,
  matched: ReturnType<typeof matchObservations>,
  known: readonly TpeTrial[],
): TpeTrial[] {
  let dims = known.find((t) => t.objectives)?.objectives?.length;
  const out: TpeTrial[] = [];
  for (const m of matched) {
    if (m.reward === null) continue;
    const objectives = m.objectives === undefined ? [m.reward] : m.objectives;
    if (objectives !== null) {
      if (dims !== undefined && objectives.length !== dims)
        throw new StrategyStateError(
          `${strategy}: proposal ${m.entry.id} has ${objectives.length} objectives, earlier results have ${dims} (pass objectives with every result, or with none)`,
        );
      dims = objectives.length;
    }
    out.push({ id: m.entry.id, tokens: m.entry.tokens, objectives });
  }
  return out;
}

/** Inserts trials keeping proposal order, whatever order the results arrived in. */
export function insertTrials(trials: TpeTrial[], fresh: readonly TpeTrial[]): void {
  trials.push(...fresh);
  trials.sort((a, b) => compareIds(a.id, b.id));
}

/**
 * The good set: the best ⌈γ·n⌉ feasible trials by fronts and HSSP; if fewer are feasible, the
 * earliest infeasible ones fill it up (Optuna orders those by violation, which we do not have).
 */
export function splitTrials(
  trials: readonly TpeTrial[],
  gamma: number,
  maxGood = Number.POSITIVE_INFINITY,
): { below: number[]; above: number[] } {
  const nBelow = Math.min(Math.ceil(gamma * trials.length), maxGood);
  const feasible = trials.flatMap((t, i) => (t.objectives ? [i] : []));
  const picked = selectBelow(
    feasible.map((i) => trials[i]!.objectives!),
    nBelow,
  ).map((k) => feasible[k]!);
  if (picked.length < nBelow) {
    const infeasible = trials.flatMap((t, i) => (t.objectives ? [] : [i]));
    picked.push(...infeasible.slice(0, nBelow - picked.length));
  }
  const inBelow = new Set(picked);
  return {
    below: trials.flatMap((_, i) => (inBelow.has(i) ? [i] : [])),
    above: trials.flatMap((_, i) => (inBelow.has(i) ? [] : [i])),
  };
}

/**
 * Optuna 3.x's weights of the good set: each feasible vector's hypervolume contribution (the
 * hypervolume lost without it, above Optuna's reference point for the set), plus 1e-12, divided by
 * the largest; infeasible members get 1e-12. A good member that another one dominates adds
 * nothing, so its kernel has almost no weight.
 */
export function hypervolumeWeights(vectors: readonly (readonly number[] | null)[]): number[] {
  const EPS = 1e-12;
  const feasible = vectors.flatMap((v, i) => (v ? [i] : []));
  const w = vectors.map(() => EPS);
  if (feasible.length === 1) w[feasible[0]!] = 1;
  if (feasible.length < 2) return w;
  const points = feasible.map((i) => vectors[i]!);
  const ref = tieBreakReference(points);
  const d = ref.length;
  const boxes = points.map((v) => v.map((x, k) => x - ref[k]!));
  const total = hvUnion(boxes, d);
  const contrib = boxes.map(
    (_, i) =>
      total -
      hvUnion(
        boxes.filter((_, j) => j !== i),
        d,
      ) +
      EPS,
  );
  const max = Math.max(...contrib);
  feasible.forEach((i, k) => {
    w[i] = Math.min(1, Math.max(0, contrib[k]! / max));
  });
  return w;
}

/** Optuna's default_weights: 1 for the newest 25, a linear ramp up from 1/n for the older ones. */
export function rampWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const m = n - 25;
  const ramp = Array.from({ length: m }, (_, i) => (m === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (m - 1)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/**
 * A mixture of product kernels over categorical decisions, one kernel per token sequence plus a
 * uniform prior (Optuna's multivariate Parzen estimator for categorical parameters). Decisions with
 * one choice are left out: they contribute nothing.
 */
export class CategoricalParzen {
  private readonly active: number[];
  private readonly logWeights: number[];
  /** log of one kernel's probability of a choice that differs from / equals its centre, per decision. */
  private readonly base: number;
  private readonly bonus: number;
  private readonly keep: number[];
  private readonly logPrior: number;

  constructor(
    private readonly cardinalities: readonly number[],
    private readonly centres: readonly (readonly number[])[],
    weights: readonly number[],
    priorWeight: number,
  ) {
    this.active = cardinalities.flatMap((c, d) => (c > 1 ? [d] : []));
    const all = centres.length === 0 ? [1] : [...weights, priorWeight];
    const total = all.reduce((a, b) => a + b, 0);
    this.logWeights = all.map((w) => Math.log(w / total));
    const a = priorWeight / (centres.length + 1);
    this.base = this.active.reduce((s, d) => s + Math.log(a / (1 + cardinalities[d]! * a)), 0);
    this.bonus = Math.log((1 + a) / a);
    this.keep = cardinalities.map((c) => 1 / (1 + c * a));
    this.logPrior = -this.active.reduce((s, d) => s + Math.log(cardinalities[d]!), 0);
  }

  logPdf(x: readonly number[]): number {
    const n = this.centres.length;
    if (n === 0) return this.logPrior;
    const terms = new Array<number>(n + 1);
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      const c = this.centres[k]!;
      let matches = 0;
      for (const d of this.active) if (c[d] === x[d]) matches++;
      const t = this.logWeights[k]! + this.base + matches * this.bonus;
      terms[k] = t;
      if (t > max) max = t;
    }
    const tp = this.logWeights[n]! + this.logPrior;
    terms[n] = tp;
    if (tp > max) max = tp;
    let sum = 0;
    for (const t of terms) sum += Math.exp(t - max);
    return max + Math.log(sum);
  }

  sample(rng: Rng): number[] {
    const k = this.centres.length === 0 ? 0 : rng.categorical(this.logWeights.map(Math.exp));
    const centre = this.centres[k];
    return this.cardinalities.map((c, d) => {
      if (c === 1) return 0;
      // (1[x = centre] + a) / (1 + c·a): keep the centre w.p. 1/(1 + c·a), else uniform over all c.
      if (centre !== undefined && rng.next() < this.keep[d]!) return centre[d]!;
      return rng.int(c);
    });
  }
}

const key = (t: readonly number[]) => t.join(',');

/** One TPE pick: the best of `draws` samples of l by log l − log g, skipping `avoid` if it can. */
export function pickByRatio(
  good: CategoricalParzen,
  bad: CategoricalParzen,
  draws: number,
  avoid: ReadonlySet<string>,
  rng: Rng,
): number[] {
  let best: number[] | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  let fallback: number[] | null = null;
  let fallbackScore = Number.NEGATIVE_INFINITY;
  // A batch may have used up the likely draws: try a few more rounds before repeating one.
  for (let round = 0; round < 8 && best === null; round++) {
    for (let i = 0; i < draws; i++) {
      const x = good.sample(rng);
      const score = good.logPdf(x) - bad.logPdf(x);
      if (avoid.has(key(x))) {
        if (score > fallbackScore) [fallback, fallbackScore] = [x, score];
      } else if (score > bestScore) [best, bestScore] = [x, score];
    }
  }
  return (best ?? fallback)!;
}

export const tpeStrategy: Strategy<TpeState> = {
  name: 'tpe',
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): TpeState {
    const params: TpeParams = {
      startupTrials: spec.tpe?.startupTrials ?? TPE_DEFAULTS.startupTrials,
      candidates: spec.tpe?.candidates ?? TPE_DEFAULTS.candidates,
      priorWeight: spec.tpe?.priorWeight ?? TPE_DEFAULTS.priorWeight,
      gamma: spec.tpe?.gamma ?? TPE_DEFAULTS.gamma,
      maxGood: spec.tpe?.maxGood ?? TPE_DEFAULTS.maxGood,
      goodWeights: spec.tpe?.goodWeights ?? TPE_DEFAULTS.goodWeights,
    };
    checkParams(params);
    return { ...baseState('tpe', cardinalities, spec, options), params, trials: [] };
  },
  propose(state: TpeState, n: number, rng: Rng): Proposal<TpeState> {
    checkBatchSize(n);
    const s = openTpe(state);
    const { params, trials, cardinalities } = s;
    let tokens: number[][];
    if (trials.length < params.startupTrials)
      tokens = Array.from({ length: n }, () => uniformTokens(cardinalities, rng));
    else {
      const { below, above } = splitTrials(trials, params.gamma, params.maxGood);
      const good = new CategoricalParzen(
        cardinalities,
        below.map((i) => trials[i]!.tokens),
        params.goodWeights === 'hypervolume'
          ? hypervolumeWeights(below.map((i) => trials[i]!.objectives))
          : below.map(() => 1),
        params.priorWeight,
      );
      // The liar: pending proposals join the bad set, in trial order as Optuna's running trials.
      const bad = [...above.map((i) => trials[i]!), ...s.pending]
        .sort((a, b) => compareIds(a.id, b.id))
        .map((t) => t.tokens);
      const avoid = new Set(s.pending.map((e) => key(e.tokens)));
      tokens = [];
      for (let i = 0; i < n; i++) {
        const g = new CategoricalParzen(cardinalities, bad, rampWeights(bad.length), params.priorWeight);
        const x = pickByRatio(good, g, params.candidates, avoid, rng);
        tokens.push(x);
        bad.push(x);
        avoid.add(key(x));
      }
    }
    const ids = addPending(s, tokens);
    return { state: s, tokens, ids };
  },
  observe(state: TpeState, observations: readonly Observation[]): TpeState {
    const s = openTpe(state);
    insertTrials(s.trials, trialsOf('tpe', matchObservations(s, observations), s.trials));
    return s;
  },
};
