// `npm run bench -- search [--accuracy table|synthetic] [--table bench/digits-bench/table.json]
//   [--seeds 20] [--seed-offset 0] [--budget 1000] [--batch 10] [--svg docs/search-table-hv.svg]
//   [--strategies random,evolution,evolution-pareto,reinforce,ppo,two-phase,reinforce-lstm,tpe,mobo]
//   [--two-phase-split 0.3] [--params learningRate=0.2,entropyWeight=0]`
//
// Every strategy searches a joint space (network × accelerator × hyper-parameters) for `budget`
// samples, over `seeds` seeds (0, 1, …; `--seed-offset` shifts them, for tuning on seeds the
// reported figures do not use). Accuracy comes from one of two sources:
// - `table` (default): a tabular benchmark (bench/tabular.ts), digits-bench unless `--table` names
//   another. The space is the one written in the table (digits-bench: 1 stage, 336 canonical
//   networks, hyper-parameters fixed) × the default accelerator space when the table has none; the
//   simulator sees the table dataset's input shape. A candidate's accuracy is the table's MEAN test
//   accuracy over its seeds (the same for every run seed, so a candidate's reward never depends on
//   which run asks). A table that samples its space (fashion-bench) answers for the tabulated
//   network nearest to the proposed one (bench/tabular.ts snap): that network is what is evaluated;
// - `synthetic`: a fixed, seeded, structured function of the network and hyper-parameters over the
//   default example spec's space (capacity from MACs plus main effects and pairwise interactions).
// Latency, energy and area come live from core/accelerator's simulateNetwork (fast tier) on the
// network's analytic summary.
//
// Fixed before any strategy runs, from 2000 uniform samples of the space (seed "reference"):
// - reward: MnasNet soft, latency target T = median latency, weight 0.07 (spec defaults), and a
//   hard area limit at the 90th percentile (infeasible: never "trained", observed at floor 0);
// - hypervolume frame: 2-D (accuracy ↑, log10 latency ↓); accuracy from the sample's minimum
//   (0) to 1 (1); log10 latency from the sample's maximum (0) to its minimum (1).
// A sample is one proposed candidate, infeasible ones included, and a repeat of a candidate the
// run already evaluated counts again: that is the issue's definition, the same for every
// strategy. The `distinct…` figures count the same runs in distinct candidates instead: with
// the engine's evaluation cache a repeat costs no training, so that is the training cost.
import { readFileSync, writeFileSync } from 'node:fs';
import { hashOf } from '../core/hash.js';
import { Rng } from '../core/rng.js';
import { SpecBoundStrategy } from '../core/search/index.js';
import { objectiveVector } from '../core/search/outcome.js';
import { dominates, type HypervolumeFrame, hvUnion, normalize } from '../core/search/pareto.js';
import { checkHardLimits, computeReward } from '../core/search/reward.js';
import { SearchSpace } from '../core/space/encoding.js';
import type { Candidate, DecisionGroup } from '../core/space/types.js';
import { type ObjectiveName, SearchSpec, type StrategyName } from '../core/spec/schema.js';
import { median, quantile } from '../core/stats.js';
import { AccuracyTable, tableNetworkId, tableTask } from './tabular.js';

export interface Curve {
  hv: number[];
  best: number[];
  distinct: number[];
}

export interface Eval {
  id: string;
  feasible: boolean;
  reward: number;
  objectives: number[] | null;
  accuracy: number | null;
  latencyMs: number;
  energyMJ: number;
  areaMM2: number;
}

interface SimModules {
  summarize(c: Candidate): { macs: number; params: number };
  simulate(c: Candidate): {
    latencyMs: number;
    energyMJ: number;
    areaMM2: number;
    macs: number;
    params: number;
  };
}

// Imported by path at run time so this file still type-checks if those modules move.
async function loadSimulator(inputShape: [number, number, number], numClasses: number): Promise<SimModules> {
  const summaryPath = '../core/network/summary.js';
  const accelPath = '../core/accelerator/index.js';
  const { summarizeNetwork } = (await import(summaryPath)) as {
    summarizeNetwork(
      a: Candidate['network'],
      s: [number, number, number],
      k: number,
    ): { macs: number; params: number };
  };
  const { simulateNetwork } = (await import(accelPath)) as {
    simulateNetwork(
      n: unknown,
      c: Candidate['accelerator'],
    ): { latencyMs: number; energyMJ: number; areaMM2: number };
  };
  const summarize = (c: Candidate) => summarizeNetwork(c.network, inputShape, numClasses);
  return {
    summarize,
    simulate(c) {
      const s = summarize(c);
      const m = simulateNetwork(s, c.accelerator);
      return {
        latencyMs: m.latencyMs,
        energyMJ: m.energyMJ,
        areaMM2: m.areaMM2,
        macs: s.macs,
        params: s.params,
      };
    },
  };
}

/** Seeded, structured synthetic accuracy of a network + hyper-parameters (not of the accelerator). */
function makeAccuracy(space: SearchSpace) {
  const rng = Rng.fromSeed('bench-search-accuracy');
  const idx = space.decisions.flatMap((d, i) => (d.group === 'accelerator' ? [] : [i]));
  const main = space.decisions.map((d) => d.choices.map(() => 0.012 * rng.normal()));
  const pairs = Array.from({ length: 12 }, () => {
    const a = idx[rng.int(idx.length)]!;
    const b = idx[rng.int(idx.length)]!;
    const table = space.decisions[a]!.choices.map(() =>
      space.decisions[b]!.choices.map(() => 0.015 * rng.normal()),
    );
    return { a, b, table };
  });
  return (c: Candidate, macs: number, params: number): number => {
    // Diminishing returns in capacity, a small penalty for very large models on small data.
    const cap = 1 / (1 + Math.exp(-(Math.log10(macs) - 5.2) * 2.2));
    let acc = 0.74 + 0.2 * cap - 0.01 * Math.max(0, Math.log10(params) - 4.5);
    for (const i of idx) acc += main[i]![c.tokens[i]!]!;
    for (const p of pairs) acc += p.table[c.tokens[p.a]!]![c.tokens[p.b]!]!;
    // Deterministic per-candidate "seed noise".
    acc += 0.004 * Rng.fromSeed(`noise:${c.id}`).normal();
    return Math.min(0.995, Math.max(0.1, acc));
  };
}

export function bootstrapCI(stat: (rng: Rng) => number, rng: Rng, reps = 2000): [number, number] {
  const vals = Array.from({ length: reps }, () => stat(rng));
  return [quantile(vals, 0.025), quantile(vals, 0.975)];
}
export const resample = (xs: readonly number[], rng: Rng) => xs.map(() => xs[rng.int(xs.length)]!);

/** 2-D front kept incrementally; its hypervolume after every sample. */
export class FrontTracker {
  private front: number[][] = [];
  hv = 0;
  add(v: number[]): void {
    if (!v.every((x) => x > 0)) return;
    if (this.front.some((f) => dominates(f, v) || f.every((x, k) => x === v[k]))) return;
    this.front = this.front.filter((f) => !dominates(v, f));
    this.front.push(v);
    this.hv = hvUnion(this.front, v.length);
  }
}

function parseArgs(args: string[]) {
  const get = (k: string, d: number) => {
    const i = args.indexOf(`--${k}`);
    if (i < 0) return d;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} needs a positive integer`);
    return v;
  };
  const svgAt = args.indexOf('--svg');
  const only = args.indexOf('--strategies');
  const names = only >= 0 ? (args[only + 1] ?? '').split(',') : [...ALL_STRATEGIES];
  for (const n of names)
    if (!(ALL_STRATEGIES as readonly string[]).includes(n))
      throw new Error(`--strategies: unknown strategy ${n}`);
  if (!names.includes('random')) throw new Error('--strategies must include random (the target)');
  const src = args.indexOf('--accuracy');
  const accuracy = src >= 0 ? args[src + 1] : 'table';
  if (accuracy !== 'table' && accuracy !== 'synthetic')
    throw new Error('--accuracy must be table or synthetic');
  const tableAt = args.indexOf('--table');
  const offsetAt = args.indexOf('--seed-offset');
  const seedOffset = offsetAt >= 0 ? Number(args[offsetAt + 1]) : 0;
  if (!Number.isInteger(seedOffset) || seedOffset < 0) throw new Error('--seed-offset needs an integer >= 0');
  return {
    accuracy: accuracy as 'table' | 'synthetic',
    seedOffset,
    table: tableAt >= 0 ? args[tableAt + 1]! : 'bench/digits-bench/table.json',
    strategies: names as (typeof ALL_STRATEGIES)[number][],
    seeds: get('seeds', 20),
    budget: get('budget', 1000),
    batch: get('batch', 10),
    split: args.includes('--two-phase-split')
      ? Number(args[args.indexOf('--two-phase-split') + 1])
      : undefined,
    /** Default: docs/search-table-hv.svg for digits-bench, docs/search-<table name>-hv.svg for another. */
    svg: svgAt >= 0 ? args[svgAt + 1]! : undefined,
    params: parseParams(args),
  };
}

/**
 * `--params learningRate=0.2,entropyWeight=0`: non-default strategy parameters for every row, for
 * sensitivity studies only (the output says so); the reported tables use the defaults.
 */
function parseParams(args: string[]): Partial<SearchSpec['strategy']> {
  const at = args.indexOf('--params');
  if (at < 0) return {};
  const out: Record<string, number> = {};
  for (const kv of (args[at + 1] ?? '').split(',')) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined || !Number.isFinite(Number(v)))
      throw new Error(`--params: expected name=number pairs, got "${kv}"`);
    out[k] = Number(v);
  }
  const r = SearchSpec.shape.strategy.safeParse(out);
  if (!r.success)
    throw new Error(`--params: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return out;
}

const ALL_STRATEGIES = [
  'random',
  'evolution',
  'evolution-pareto',
  'reinforce',
  'ppo',
  'two-phase',
  'reinforce-lstm',
  'tpe',
  'mobo',
] as const satisfies readonly (StrategyName | 'evolution-pareto')[];

/** Bench row name -> strategy spec fields; every other parameter is the spec default. */
const ROWS: Record<(typeof ALL_STRATEGIES)[number], Partial<SearchSpec['strategy']>> = {
  random: { name: 'random' },
  evolution: { name: 'evolution' },
  'evolution-pareto': { name: 'evolution', selection: 'pareto' },
  reinforce: { name: 'reinforce' },
  ppo: { name: 'ppo' },
  'two-phase': { name: 'two-phase' },
  'reinforce-lstm': { name: 'reinforce-lstm' },
  tpe: { name: 'tpe' },
  mobo: { name: 'mobo' },
};

/** Everything fixed before any strategy runs: the space, the reward, the frame, the evaluator. */
export interface BenchSetup {
  space: SearchSpace;
  spec: SearchSpec;
  specHash: string;
  groups: DecisionGroup[];
  frame: HypervolumeFrame;
  latTarget: number;
  areaLimit: number;
  /** Latencies of the 2000 reference samples the target, limit and frame were fixed from. */
  referenceLatencies: number[];
  table: AccuracyTable | null;
  /** Memoized by candidate id; `size` is the number of distinct candidates evaluated. */
  evaluate(tokens: number[]): Eval;
  evaluated(): number;
}

export async function setupBench(opt: {
  accuracy: 'table' | 'synthetic';
  table: string;
  batch: number;
  params?: Partial<SearchSpec['strategy']>;
}): Promise<BenchSetup> {
  const table =
    opt.accuracy === 'table' ? AccuracyTable.parse(readFileSync(opt.table, 'utf8'), opt.table) : null;
  const task = table ? tableTask(table.file) : null;
  const base = SearchSpec.parse(task ? { space: task.space } : {});
  const space = new SearchSpace(base);
  const sim = await loadSimulator(task?.inputShape ?? [8, 8, 1], task?.numClasses ?? 10);
  const accuracyOf = table
    ? (c: Candidate) => table.accuracy(tableNetworkId(space, c.tokens))
    : makeAccuracy(space);
  // A table that samples its space answers for its nearest network (identity on digits-bench's
  // full enumeration): the candidate evaluated, simulated and cached is the snapped one.
  const snap = (tokens: readonly number[]) => (table ? table.snap(space, tokens) : tokens);

  const refRng = Rng.fromSeed('reference');
  const ref = Array.from({ length: 2000 }, () => {
    const c = space.decode(snap(space.sample(refRng).tokens));
    const m = sim.simulate(c);
    return { ...m, accuracy: accuracyOf(c, m.macs, m.params) };
  });
  const latTarget = median(ref.map((r) => r.latencyMs));
  const areaLimit = quantile(
    ref.map((r) => r.areaMM2),
    0.9,
  );
  const spec = SearchSpec.parse({
    ...(task ? { space: task.space } : {}),
    objectives: { latencyMs: { target: latTarget }, areaMM2: { limit: areaLimit } },
    strategy: { batchSize: opt.batch, ...opt.params },
  });
  const lats = ref.map((r) => Math.log10(r.latencyMs));
  const frame: HypervolumeFrame = {
    reference: { accuracy: Math.min(...ref.map((r) => r.accuracy)), latencyMs: Math.max(...lats) },
    ideal: { accuracy: 1, latencyMs: Math.min(...lats) },
  };

  const memo = new Map<string, Eval>();
  const evaluate = (tokens: number[]): Eval => {
    const c = space.decode(snap(tokens));
    const hit = memo.get(c.id);
    if (hit) return hit;
    const m = sim.simulate(c);
    const pre = checkHardLimits(m, spec.objectives);
    let e: Eval;
    if (!pre.feasible)
      e = {
        id: c.id,
        feasible: false,
        reward: spec.reward.floor,
        objectives: null,
        accuracy: null,
        ...pick(m),
      };
    else {
      const accuracy = accuracyOf(c, m.macs, m.params);
      const r = computeReward({ accuracy, ...pick(m) }, spec.objectives, spec.reward);
      e = {
        id: c.id,
        feasible: r.feasible,
        reward: r.reward,
        objectives: r.feasible ? objectiveVector({ accuracy, ...pick(m) }, spec.objectives) : null,
        accuracy,
        ...pick(m),
      };
    }
    memo.set(c.id, e);
    return e;
  };
  return {
    space,
    spec,
    specHash: hashOf(spec),
    groups: space.decisions.map((d) => d.group),
    frame,
    latTarget,
    areaLimit,
    referenceLatencies: ref.map((r) => r.latencyMs),
    table,
    evaluate,
    evaluated: () => memo.size,
  };
}

const HV_NAMES: ObjectiveName[] = ['accuracy', 'latencyMs'];

/**
 * A strategy's view of the space when some decisions are fixed (bench/study.ts's arms): it searches
 * `free` (indices into the space's decisions) and every other decision keeps its `fixed` token.
 */
export interface SearchView {
  free: number[];
  fixed: readonly number[];
}

/**
 * One strategy run of `budget` samples in batches through the spec-bound ask/tell loop. `view`
 * restricts it to some decisions; `front`/`bestReward` continue the curves of an earlier run
 * (a two-phase search's second phase); `onEval` sees every sample.
 */
export function runStrategy(
  b: BenchSetup,
  row: Partial<SearchSpec['strategy']>,
  seed: number,
  opt: {
    budget: number;
    batch: number;
    split?: number;
    rngLabel: string;
    view?: SearchView;
    front?: FrontTracker;
    bestReward?: number;
    onEval?: (e: Eval, tokens: number[]) => void;
  },
): Curve {
  const view = opt.view;
  const expand = (t: readonly number[]): number[] => {
    if (!view) return [...t];
    const full = [...view.fixed];
    view.free.forEach((d, k) => {
      full[d] = t[k]!;
    });
    return full;
  };
  const cards = view ? view.free.map((d) => b.space.cardinalities[d]!) : b.space.cardinalities;
  const ctl = new SpecBoundStrategy({ ...b.spec.strategy, ...row, seed }, cards, b.specHash, {
    groups: view ? view.free.map((d) => b.groups[d]!) : b.groups,
    totalSamples: opt.budget,
    ...(opt.split !== undefined ? { phase1Fraction: opt.split } : {}),
  });
  let state = ctl.init();
  const rng = Rng.fromSeed(opt.rngLabel);
  const front = opt.front ?? new FrontTracker();
  const hv: number[] = [];
  const best: number[] = [];
  // Distinct candidates among the samples so far: a repeat costs no training (cache).
  const seen = new Set<string>();
  const distinct: number[] = [];
  let bestR = opt.bestReward ?? Number.NEGATIVE_INFINITY;
  while (hv.length < opt.budget) {
    const n = Math.min(opt.batch, opt.budget - hv.length);
    const p = ctl.propose(state, n, rng);
    const obs = p.tokens.map((t, k) => {
      const full = expand(t);
      const e = b.evaluate(full);
      opt.onEval?.(e, full);
      if (e.accuracy !== null)
        front.add(
          normalize(
            { id: e.id, metrics: { accuracy: e.accuracy, latencyMs: Math.log10(e.latencyMs) } },
            HV_NAMES,
            b.frame,
          ),
        );
      if (e.feasible) bestR = Math.max(bestR, e.reward);
      hv.push(front.hv);
      best.push(bestR);
      seen.add(e.id);
      distinct.push(seen.size);
      return { tokens: t, reward: e.reward, proposalId: p.ids[k]!, objectives: e.objectives };
    });
    state = ctl.observe(p.state, obs);
  }
  return { hv, best, distinct };
}

export async function run(args: string[]): Promise<unknown> {
  const opt = parseArgs(args);
  const t0 = performance.now();
  const bench = await setupBench(opt);
  const { space, spec, frame, latTarget, areaLimit, table } = bench;

  // ---- runs ----
  const curves: Record<string, Curve[]> = {};
  for (const name of opt.strategies) {
    curves[name] = [];
    for (let k = 0; k < opt.seeds; k++) {
      const seed = opt.seedOffset + k;
      curves[name].push(
        runStrategy(bench, ROWS[name], seed, {
          budget: opt.budget,
          batch: opt.batch,
          ...(opt.split !== undefined ? { split: opt.split } : {}),
          rngLabel: `bench-search:${name}:${seed}`,
        }),
      );
    }
  }

  // ---- statistics ----
  const at = Math.min(500, opt.budget);
  const target = median(curves.random!.map((c) => c.hv[at - 1]!));
  const rewardTarget = median(curves.random!.map((c) => c.best[at - 1]!));
  const reach = (xs: number[], t: number) => {
    const i = xs.findIndex((x) => x >= t);
    return i < 0 ? opt.budget + 1 : i + 1;
  };
  // One bootstrap stream per statistic, so adding a row or a statistic changes no other CI.
  const summary = (xs: number[], what: string) => ({
    median: median(xs),
    ci95: bootstrapCI((r) => median(resample(xs, r)), Rng.fromSeed(`bootstrap:${what}`)),
  });
  const checkpoints = [50, 100, 200, 300, 500, 750, 1000].filter((k) => k <= opt.budget);
  const strategies: Record<string, unknown> = {};
  const reachHv: Record<string, number[]> = {};
  const reachReward: Record<string, number[]> = {};
  const distinctHv: Record<string, number[]> = {};
  const distinctReward: Record<string, number[]> = {};
  for (const name of opt.strategies) {
    const cs = curves[name]!;
    reachHv[name] = cs.map((c) => reach(c.hv, target));
    reachReward[name] = cs.map((c) => reach(c.best, rewardTarget));
    // The same samples counted as distinct candidates (trainings, with the evaluation cache).
    const distinctAt = (c: Curve, i: number) => (i > opt.budget ? opt.budget + 1 : c.distinct[i - 1]!);
    distinctHv[name] = cs.map((c, k) => distinctAt(c, reachHv[name]![k]!));
    distinctReward[name] = cs.map((c, k) => distinctAt(c, reachReward[name]![k]!));
    strategies[name] = {
      samplesToReachRandom500: summary(reachHv[name], `${name}:hv`),
      samplesToReachRandom500Reward: summary(reachReward[name], `${name}:reward`),
      reachedTarget: reachHv[name].filter((x) => x <= opt.budget).length,
      samplesToReachRandom500PerSeed: reachHv[name],
      distinctToReachRandom500: summary(distinctHv[name], `${name}:hv-distinct`),
      distinctToReachRandom500Reward: summary(distinctReward[name], `${name}:reward-distinct`),
      distinctCandidates: Object.fromEntries(
        checkpoints.map((k) => [k, median(cs.map((c) => c.distinct[k - 1]!))]),
      ),
      hypervolume: Object.fromEntries(
        checkpoints.map((k) => [k, round(median(cs.map((c) => c.hv[k - 1]!)))]),
      ),
      bestReward: Object.fromEntries(
        checkpoints.map((k) => [k, round(median(cs.map((c) => c.best[k - 1]!)))]),
      ),
    };
  }
  const diff = (a: number[], b: number[], what: string) => ({
    median: median(a) - median(b),
    ci95: bootstrapCI(
      (r) => median(resample(a, r)) - median(resample(b, r)),
      Rng.fromSeed(`bootstrap:${what}`),
    ),
  });
  const jointVsTwoPhase = Object.fromEntries(
    (['reinforce', 'ppo', 'evolution', 'evolution-pareto', 'reinforce-lstm', 'tpe', 'mobo'] as const)
      .filter((j) => opt.strategies.includes(j) && opt.strategies.includes('two-phase'))
      .map((j) => [
        j,
        {
          hypervolume: diff(reachHv[j]!, reachHv['two-phase']!, `${j}-two-phase:hv`),
          reward: diff(reachReward[j]!, reachReward['two-phase']!, `${j}-two-phase:reward`),
          hypervolumeDistinct: diff(distinctHv[j]!, distinctHv['two-phase']!, `${j}-two-phase:hv-distinct`),
          rewardDistinct: diff(
            distinctReward[j]!,
            distinctReward['two-phase']!,
            `${j}-two-phase:reward-distinct`,
          ),
        },
      ]),
  );
  // The strongest peer baseline (Optuna's default sampler, multivariate MOTPE): who beats it, by how much.
  const versusTpe = opt.strategies.includes('tpe')
    ? Object.fromEntries(
        opt.strategies
          .filter((n) => n !== 'tpe')
          .map((n) => [
            n,
            {
              hypervolume: diff(reachHv[n]!, reachHv.tpe!, `${n}-tpe:hv`),
              hypervolumeDistinct: diff(distinctHv[n]!, distinctHv.tpe!, `${n}-tpe:hv-distinct`),
            },
          ]),
      )
    : null;
  const tableName = table?.file.name;
  const svg =
    opt.svg ??
    `docs/search-${tableName === undefined ? '' : tableName === 'digits-bench' ? 'table-' : `${tableName}-`}hv.svg`;
  writeFileSync(
    svg,
    plot(curves, 'hv', 'Hypervolume (accuracy, log latency) vs samples', target, opt.budget),
  );
  const rewardSvg = svg.replace(/(\.svg)?$/, '-reward.svg').replace('-hv-reward', '-reward');
  writeFileSync(
    rewardSvg,
    plot(curves, 'best', 'Best latency-constrained reward vs samples', rewardTarget, opt.budget),
  );
  const ranked = opt.strategies
    .filter((n) => n !== 'random')
    .sort((a, b) => median(reachHv[a]!) - median(reachHv[b]!));
  const bestName = ranked[0]!;
  return {
    setup: {
      space: `${table ? `${table.file.name}'s space (as written in the table; default accelerator space if it has none)` : 'default example spec'}: ${space.decisions.length} decisions, 10^${space.log10Size.toFixed(2)} sequences`,
      accuracy: table
        ? `${table.file.name} table ${opt.table}: mean test accuracy over ${table.file.seeds} seeds of ${table.size} networks (no training)`
        : 'synthetic (seeded structured function of network + hyper-parameters; no training)',
      hardwareMetrics: 'core/accelerator simulateNetwork, fast tier',
      reward: `mnasnet soft, latency target ${latTarget.toPrecision(4)} ms (median of 2000 uniform samples), weight 0.07; area limit ${areaLimit.toPrecision(4)} mm2 (p90) -> floor 0`,
      hypervolumeFrame: { objectives: 'accuracy, log10(latencyMs)', ...frame },
      seeds: opt.seeds,
      seedOffset: opt.seedOffset,
      budget: opt.budget,
      batch: opt.batch,
      strategyParams: spec.strategy,
      nonDefaultParams:
        Object.keys(opt.params).length > 0
          ? { ...opt.params, note: 'sensitivity study: NOT the spec defaults' }
          : 'none',
      twoPhase: `inner reinforce; phase-1 share ${opt.split ?? 'by log-size of sub-spaces'}; accelerator fixed at middle choices in phase 1`,
      distinctCandidatesEvaluated: bench.evaluated(),
    },
    target: { randomMedianHypervolumeAt500: round(target), randomMedianBestRewardAt500: round(rewardTarget) },
    strategies,
    jointVsTwoPhase: {
      note: 'median samples(joint) - median samples(two-phase); negative = joint needs fewer. Bootstrap over seeds, 2000 resamples.',
      ...jointVsTwoPhase,
    },
    ...(versusTpe
      ? {
          versusTpe: {
            note: 'median samples(strategy) - median samples(tpe) to the HV target; negative = fewer than tpe. Bootstrap over seeds, 2000 resamples.',
            ...versusTpe,
          },
        }
      : {}),
    best: {
      strategy: bestName,
      medianSamplesToTarget: median(reachHv[bestName]!),
      ratioTo500: round(median(reachHv[bestName]!) / at),
      ratioToRandomMedian: round(median(reachHv[bestName]!) / median(reachHv.random!)),
    },
    plots: [svg, rewardSvg],
    seconds: round((performance.now() - t0) / 1000),
  };
}

function pick(m: { latencyMs: number; energyMJ: number; areaMM2: number }) {
  return { latencyMs: m.latencyMs, energyMJ: m.energyMJ, areaMM2: m.areaMM2 };
}

const round = (x: number) => Number(x.toPrecision(5));

const COLORS: Record<string, string> = {
  random: '#777777',
  evolution: '#1b9e77',
  reinforce: '#d95f02',
  ppo: '#7570b3',
  'two-phase': '#e7298a',
  'evolution-pareto': '#1f78b4',
  'reinforce-lstm': '#a6761d',
  tpe: '#66a61e',
  mobo: '#e6ab02',
  // bench/study.ts's arms (its two-phase arm keeps the colour above).
  joint: '#1f78b4',
  'network-only': '#1b9e77',
  'accelerator-only': '#d95f02',
};

/** Median (and 25–75% band) of a per-sample series against samples, one line per strategy. */
export function plot(
  curves: Record<string, Curve[]>,
  key: 'hv' | 'best',
  title: string,
  target: number,
  budget: number,
  targetLabel = 'random@500',
): string {
  const W = 750;
  const H = 440;
  const m = { l: 60, r: 150, t: 30, b: 45 };
  const all = Object.values(curves).flatMap((cs) => cs.flatMap((c) => c[key].filter(Number.isFinite)));
  const yMin = quantile(all, 0.02);
  const top = all.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY); // too many for Math.max(...)
  const yMax = top + 0.01 * (top - yMin);
  const x = (i: number) => m.l + ((i + 1) / budget) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - ((v - yMin) / (yMax - yMin)) * (H - m.t - m.b);
  const step = Math.max(1, Math.floor(budget / 200));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<defs><clipPath id="area"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></clipPath></defs>`,
    `<text x="${m.l}" y="18" font-size="14">${title}: median over seeds, 25-75% band</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(W - m.r + m.l) / 2}" y="${H - 10}" text-anchor="middle">samples</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = yMin + ((yMax - yMin) * k) / 5;
    parts.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`);
    const s = Math.round((budget * k) / 5);
    parts.push(`<text x="${x(s - 1)}" y="${H - m.b + 16}" text-anchor="middle">${s}</text>`);
  }
  parts.push(
    `<line x1="${m.l}" y1="${y(target)}" x2="${W - m.r}" y2="${y(target)}" stroke="black" stroke-dasharray="4 3"/>`,
    `<text x="${m.l + 4}" y="${y(target) - 4}">${targetLabel}</text>`,
  );
  Object.entries(curves).forEach(([name, cs], li) => {
    const col = COLORS[name] ?? 'black';
    const idx: number[] = [];
    for (let i = 0; i < budget; i += step) idx.push(i);
    if (idx[idx.length - 1] !== budget - 1) idx.push(budget - 1);
    const q = (p: number) =>
      idx.map(
        (i) =>
          [
            x(i),
            y(
              quantile(
                cs.map((c) => Math.max(yMin - 1, c[key][i]!)),
                p,
              ),
            ),
          ] as const,
      );
    const lo = q(0.25);
    const hi = q(0.75);
    const band = [...lo, ...[...hi].reverse()].map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
    parts.push(
      `<polygon points="${band}" fill="${col}" fill-opacity="0.12" stroke="none" clip-path="url(#area)"/>`,
    );
    const line = q(0.5)
      .map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline points="${line}" fill="none" stroke="${col}" stroke-width="2" clip-path="url(#area)"/>`,
    );
    parts.push(
      `<line x1="${W - m.r + 10}" y1="${m.t + 20 + li * 18}" x2="${W - m.r + 30}" y2="${m.t + 20 + li * 18}" stroke="${col}" stroke-width="3"/>`,
      `<text x="${W - m.r + 36}" y="${m.t + 24 + li * 18}">${name}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
