// `npm run bench -- study [--table bench/fashion-bench/table.json] [--seeds 20] [--budget 500]
//   [--batch 10] [--strategy tpe] [--two-phase-split 0.5] [--doc docs/nahas-study.md]`
//
// The NAHAS question on a tabular benchmark: does searching the network and the accelerator
// jointly beat fixing one and searching the other, or searching them one after the other? Four
// arms, each run by the same strategy for the same number of samples (`budget`, in batches of
// `batch`, as the search bench asks), over `seeds` seeds:
// - joint: every decision;
// - network-only: the network decisions, the accelerator fixed at the baseline accelerator;
// - accelerator-only: the accelerator decisions, the network fixed at the baseline network;
// - two-phase: network-only for round(split × budget) samples, then accelerator-only for the rest
//   with the network of phase 1's best-reward feasible sample (the baseline network if none).
// Baselines: every decision at its middle choice (index ⌊(n−1)/2⌋), the network then snapped to
// the table's nearest network (bench/tabular.ts snap); hyper-parameters are the table's single
// choices. Everything else — the space, the reward, the area limit, the hypervolume frame and
// the evaluator — is the search bench's (bench/search.ts setupBench), so the figures are on
// the same scale as `npm run bench -- search` on the same table.
//
// Metrics per seed: the hypervolume (accuracy, log10 latency) after 100, 250 and 500 samples,
// and the best accuracy among the samples under each latency target (p10, p25, p50 of the
// reference samples' latencies) within the area limit (0 when no sample qualifies). Reported
// as medians over seeds with seeded bootstrap 95% CIs (2000 resamples); differences are
// median(joint) − median(arm) with a CI from resampling both arms' seeds.
import { writeFileSync } from 'node:fs';
import { Rng } from '../core/rng.js';
import { type SearchSpec, StrategyName } from '../core/spec/schema.js';
import { median, quantile } from '../core/stats.js';
import {
  type BenchSetup,
  bootstrapCI,
  type Curve,
  FrontTracker,
  plot,
  resample,
  runStrategy,
  type SearchView,
  setupBench,
} from './search.js';
import { networkDecisions } from './tabular.js';

export const ARMS = ['joint', 'network-only', 'accelerator-only', 'two-phase'] as const;
export type Arm = (typeof ARMS)[number];

const CHECKPOINTS = [100, 250, 500] as const;
/** Latency targets, as quantiles of the reference samples' latencies. */
const LATENCY_QUANTILES = [0.1, 0.25, 0.5] as const;

interface StudyOptions {
  table: string;
  seeds: number;
  budget: number;
  batch: number;
  strategy: Partial<SearchSpec['strategy']>;
  strategyName: string;
  split: number;
  doc: string;
}

function parseArgs(args: string[]): StudyOptions {
  const val = (k: string) => {
    const i = args.indexOf(`--${k}`);
    return i < 0 ? undefined : args[i + 1];
  };
  const int = (k: string, d: number) => {
    const v = Number(val(k) ?? d);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} needs a positive integer`);
    return v;
  };
  const name = val('strategy') ?? 'tpe';
  const strategy: Partial<SearchSpec['strategy']> =
    name === 'evolution-pareto'
      ? { name: 'evolution', selection: 'pareto' }
      : StrategyName.options.includes(name as StrategyName) && name !== 'autohas' && name !== 'two-phase'
        ? { name: name as StrategyName }
        : (() => {
            throw new Error(`--strategy: ${name} is not a strategy the arms can share`);
          })();
  const split = Number(val('two-phase-split') ?? 0.5);
  if (!(split > 0 && split < 1)) throw new Error('--two-phase-split must be between 0 and 1');
  const budget = int('budget', 500);
  return {
    table: val('table') ?? 'bench/fashion-bench/table.json',
    seeds: int('seeds', 20),
    budget,
    batch: int('batch', 10),
    strategy,
    strategyName: name,
    split,
    doc: val('doc') ?? 'docs/nahas-study.md',
  };
}

/** The middle choice of every decision, the network snapped to the table: the baseline candidate. */
export function baselineTokens(b: BenchSetup): number[] {
  const mid = b.space.cardinalities.map((n) => Math.floor((n - 1) / 2));
  return b.table ? b.table.snap(b.space, mid) : mid;
}

interface ArmRun {
  curve: Curve;
  /** Best accuracy under each latency target (within the area limit) after each sample; 0 before any. */
  accAt: number[][];
}

/** One arm, one seed: `budget` samples, curves over all of them (both phases for two-phase). */
export function runArm(
  b: BenchSetup,
  arm: Arm,
  seed: number,
  opt: {
    budget: number;
    batch: number;
    strategy: Partial<SearchSpec['strategy']>;
    split: number;
    targets: number[];
    /** Sees every sample's full tokens (tests). */
    trace?: (tokens: number[]) => void;
  },
): ArmRun {
  const base = baselineTokens(b);
  const net = new Set(networkDecisions(b.space));
  const all = b.space.decisions.map((_, i) => i);
  const netFree = all.filter((i) => net.has(i));
  const accFree = all.filter((i) => b.groups[i] === 'accelerator');
  const best = opt.targets.map(() => 0);
  const accAt: number[][] = opt.targets.map(() => []);
  const front = new FrontTracker();
  let bestReward = Number.NEGATIVE_INFINITY;
  let bestTokens: number[] | null = null;
  const onEval: NonNullable<Parameters<typeof runStrategy>[3]['onEval']> = (e, tokens) => {
    opt.trace?.(tokens);
    if (e.feasible && e.reward > bestReward) {
      bestReward = e.reward;
      bestTokens = tokens;
    }
    opt.targets.forEach((t, k) => {
      if (e.accuracy !== null && e.latencyMs <= t && e.areaMM2 <= b.areaLimit)
        best[k] = Math.max(best[k]!, e.accuracy);
      accAt[k]!.push(best[k]!);
    });
  };
  const label = `bench-study:${arm}:${seed}`;
  const run = (budget: number, view: SearchView | undefined, phase: string) =>
    runStrategy(b, opt.strategy, seed, {
      budget,
      batch: opt.batch,
      rngLabel: `${label}${phase}`,
      front,
      bestReward,
      onEval,
      ...(view ? { view } : {}),
    });
  let curve: Curve;
  if (arm === 'joint') curve = run(opt.budget, undefined, '');
  else if (arm === 'network-only') curve = run(opt.budget, { free: netFree, fixed: base }, '');
  else if (arm === 'accelerator-only') curve = run(opt.budget, { free: accFree, fixed: base }, '');
  else {
    const n1 = Math.round(opt.split * opt.budget);
    const c1 = run(n1, { free: netFree, fixed: base }, ':1');
    // Phase 2 searches the accelerator for phase 1's chosen network.
    const chosen = (bestTokens as number[] | null) ?? base;
    const fixed = base.map((t, i) => (net.has(i) ? chosen[i]! : t));
    const c2 = run(opt.budget - n1, { free: accFree, fixed }, ':2');
    curve = {
      hv: [...c1.hv, ...c2.hv],
      best: [...c1.best, ...c2.best],
      distinct: [...c1.distinct, ...c2.distinct.map((d) => d + c1.distinct[c1.distinct.length - 1]!)],
    };
  }
  return { curve, accAt };
}

const round = (x: number) => Number(x.toPrecision(5));

function summary(xs: number[], what: string) {
  const ci = bootstrapCI((r) => median(resample(xs, r)), Rng.fromSeed(`bootstrap:study:${what}`));
  return { median: round(median(xs)), ci95: ci.map(round) as [number, number] };
}

function difference(a: number[], b: number[], what: string) {
  const ci = bootstrapCI(
    (r) => median(resample(a, r)) - median(resample(b, r)),
    Rng.fromSeed(`bootstrap:study:${what}`),
  );
  return { median: round(median(a) - median(b)), ci95: ci.map(round) as [number, number] };
}

export async function run(args: string[]): Promise<unknown> {
  const opt = parseArgs(args);
  const t0 = performance.now();
  const b = await setupBench({ accuracy: 'table', table: opt.table, batch: opt.batch });
  if (!b.table) throw new Error('study: needs a table');
  const targets = LATENCY_QUANTILES.map((q) => quantile(b.referenceLatencies, q));
  const targetKeys = targets.map((t, k) => `p${LATENCY_QUANTILES[k]! * 100}:${t.toPrecision(3)}ms`);
  const runs: Record<Arm, ArmRun[]> = {
    joint: [],
    'network-only': [],
    'accelerator-only': [],
    'two-phase': [],
  };
  for (const arm of ARMS)
    for (let seed = 0; seed < opt.seeds; seed++) runs[arm].push(runArm(b, arm, seed, { ...opt, targets }));

  const at = (xs: number[], k: number) => xs[Math.min(k, xs.length) - 1]!;
  const checkpoints = CHECKPOINTS.filter((k) => k <= opt.budget);
  const perArm = (arm: Arm) => ({
    hv: Object.fromEntries(checkpoints.map((k) => [k, runs[arm].map((r) => at(r.curve.hv, k))])),
    acc: targetKeys.map((_, j) => runs[arm].map((r) => at(r.accAt[j]!, opt.budget))),
  });
  const stats = Object.fromEntries(ARMS.map((a) => [a, perArm(a)])) as Record<Arm, ReturnType<typeof perArm>>;
  const study = Object.fromEntries(
    ARMS.map((arm) => [
      arm,
      {
        ...Object.fromEntries(
          checkpoints.map((k) => [`hv${k}`, summary(stats[arm].hv[k]!, `${arm}:hv${k}`)]),
        ),
        accAtLatency: Object.fromEntries(
          targetKeys.map((key, j) => [key, summary(stats[arm].acc[j]!, `${arm}:acc:${key}`)]),
        ),
        seedsWithNoneUnderTarget: Object.fromEntries(
          targetKeys.map((key, j) => [key, stats[arm].acc[j]!.filter((x) => x === 0).length]),
        ),
      },
    ]),
  );
  const differences = Object.fromEntries(
    ARMS.filter((a) => a !== 'joint').map((arm) => [
      `joint-minus-${arm}`,
      {
        ...Object.fromEntries(
          checkpoints.map((k) => [
            `hv${k}`,
            difference(stats.joint.hv[k]!, stats[arm].hv[k]!, `joint-${arm}:hv${k}`),
          ]),
        ),
        accAtLatency: Object.fromEntries(
          targetKeys.map((key, j) => [
            key,
            difference(stats.joint.acc[j]!, stats[arm].acc[j]!, `joint-${arm}:acc:${key}`),
          ]),
        ),
      },
    ]),
  );

  const base = b.space.decode(baselineTokens(b));
  const file = b.table.file;
  const stem = opt.doc.replace(/\.md$/, '');
  const hvSvg = `${stem}-hv.svg`;
  const accSvg = `${stem}-acc.svg`;
  const mid = Math.floor(targets.length / 2);
  const jointHv = median(stats.joint.hv[checkpoints[checkpoints.length - 1]!]!);
  writeFileSync(
    hvSvg,
    plot(
      Object.fromEntries(ARMS.map((a) => [a, runs[a].map((r) => r.curve)])),
      'hv',
      'Hypervolume (accuracy, log latency) vs samples',
      jointHv,
      opt.budget,
      `joint@${opt.budget}`,
    ),
  );
  // The same plot of the best accuracy under the middle latency target: curves in `best`.
  const accCurves = Object.fromEntries(
    ARMS.map((a) => [a, runs[a].map((r) => ({ hv: [], best: r.accAt[mid]!, distinct: [] }))]),
  );
  writeFileSync(
    accSvg,
    plot(
      accCurves,
      'best',
      `Best accuracy at latency ≤ ${targets[mid]!.toPrecision(3)} ms, area ≤ ${b.areaLimit.toPrecision(3)} mm²`,
      median(stats.joint.acc[mid]!),
      opt.budget,
      `joint@${opt.budget}`,
    ),
  );
  const setup = {
    table: `${opt.table} (${file.name}): ${b.table.size} networks with all ${file.seeds} seeds`,
    tableSpread: `mean test accuracy over seeds p10 ${file.spread.p10.toFixed(4)}, p50 ${file.spread.p50.toFixed(4)}, p90 ${file.spread.p90.toFixed(4)}; ${Math.round(file.generation.seconds)} s of training recorded`,
    space: `${b.space.decisions.length} decisions, 10^${b.space.log10Size.toFixed(2)} sequences; networks outside the table are snapped to the nearest tabulated one`,
    strategy: opt.strategyName,
    seeds: opt.seeds,
    budget: opt.budget,
    batch: opt.batch,
    twoPhaseSplit: `${Math.round(opt.split * opt.budget)} network samples, then ${opt.budget - Math.round(opt.split * opt.budget)} accelerator samples`,
    baselineNetwork: base.network,
    baselineAccelerator: base.accelerator,
    latencyTargetsMs: Object.fromEntries(targetKeys.map((k, j) => [k, round(targets[j]!)])),
    areaLimitMM2: round(b.areaLimit),
    hypervolumeFrame: b.frame,
  };
  const seconds = round((performance.now() - t0) / 1000);
  writeFileSync(
    opt.doc,
    studyDoc({ setup, study, differences, hvSvg, accSvg, checkpoints, targetKeys, opt }),
  );
  return { setup, study, differences, plots: [hvSvg, accSvg], doc: opt.doc, seconds };
}

type Summary = { median: number; ci95: [number, number] };

function studyDoc(d: {
  setup: Record<string, unknown> & {
    table: string;
    tableSpread: string;
    seeds: number;
    latencyTargetsMs: Record<string, number>;
    areaLimitMM2: number;
  };
  study: Record<string, unknown>;
  differences: Record<string, unknown>;
  hvSvg: string;
  accSvg: string;
  checkpoints: number[];
  targetKeys: string[];
  opt: StudyOptions;
}): string {
  const fmt = (s: Summary) => `${s.median.toFixed(4)} [${s.ci95[0].toFixed(4)}, ${s.ci95[1].toFixed(4)}]`;
  const hvKeys = d.checkpoints.map((k) => `hv${k}`);
  const row = (name: string, r: Record<string, unknown>) => {
    const acc = r.accAtLatency as Record<string, Summary>;
    return `| ${name} | ${hvKeys.map((k) => fmt(r[k] as Summary)).join(' | ')} | ${d.targetKeys.map((k) => fmt(acc[k]!)).join(' | ')} |`;
  };
  const head = `| | ${hvKeys.join(' | ')} | ${d.targetKeys.map((k) => `acc @ ${k.split(':')[1]}`).join(' | ')} |`;
  const sep = `|---|${[...hvKeys, ...d.targetKeys].map(() => '---').join('|')}|`;
  const last = hvKeys[hvKeys.length - 1]!;
  const verdicts = Object.entries(d.differences).map(([k, v]) => {
    const s = (v as Record<string, Summary>)[last]!;
    const word =
      s.ci95[0] > 0
        ? 'joint better (CI excludes 0)'
        : s.ci95[1] < 0
          ? 'joint WORSE (CI excludes 0)'
          : 'no difference shown (CI includes 0)';
    return `- ${k}: ${last} ${fmt(s)}: ${word}`;
  });
  const rel = (p: string) => p.replace(/^docs\//, '');
  return [
    '# NAHAS study: joint vs separate network and accelerator search',
    '',
    `Generated by \`npm run bench -- study${d.opt.table === 'bench/fashion-bench/table.json' ? '' : ` --table ${d.opt.table}`}\` (bench/study.ts); do not edit by hand.`,
    '',
    '## Method',
    '',
    `Table: ${d.setup.table} (${d.setup.tableSpread}). Accuracy is the table's mean test accuracy over its seeds; latency, energy and area come live from the simulator (core/accelerator), as in \`npm run bench -- search\`, whose reward, area limit and hypervolume frame this study shares. A network the table does not list is evaluated as the tabulated network with the fewest differing network decisions (bench/tabular.ts snap), so every arm searches the same finite set of trained networks.`,
    '',
    `Arms: joint (every decision); network-only (the accelerator fixed at the baseline); accelerator-only (the network fixed at the baseline); two-phase (network-only, then accelerator-only for the chosen network). Strategy \`${d.setup.strategy}\` in every arm, ${d.setup.budget} samples in batches of ${d.setup.batch}, ${d.setup.seeds} seeds (0 to ${d.setup.seeds - 1}).`,
    `Two-phase: ${d.setup.twoPhaseSplit}, the second phase for the network of the first phase's best-reward feasible sample.`,
    `Latency targets (quantiles of 2000 uniform reference samples): ${Object.entries(d.setup.latencyTargetsMs)
      .map(([k, v]) => `${k.split(':')[0]} = ${v} ms`)
      .join(', ')}; area limit ${d.setup.areaLimitMM2} mm² (their p90).`,
    '',
    '## Results',
    '',
    "Each cell: median over seeds [bootstrap 95% CI]. hvN is the hypervolume (accuracy, log10 latency; the search bench's frame) after N samples; acc @ T is the best test accuracy among the samples with latency ≤ T and area within the limit (0 if none).",
    '',
    head,
    sep,
    ...ARMS.map((a) => row(a, d.study[a] as Record<string, unknown>)),
    '',
    '## Joint minus each arm',
    '',
    head.replace('| |', '| difference |'),
    sep,
    ...Object.entries(d.differences).map(([k, v]) => row(k, v as Record<string, unknown>)),
    '',
    ...verdicts,
    '',
    '## Baselines',
    '',
    'Every decision at its middle choice; the network then snapped to the nearest tabulated network.',
    '',
    `- network: \`${JSON.stringify(d.setup.baselineNetwork)}\``,
    `- accelerator: \`${JSON.stringify(d.setup.baselineAccelerator)}\``,
    '',
    '## Plots',
    '',
    `![hypervolume vs samples](${rel(d.hvSvg)})`,
    '',
    `![best accuracy under the middle latency target vs samples](${rel(d.accSvg)})`,
    '',
  ].join('\n');
}
