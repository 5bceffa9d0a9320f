// The digits-bench table: every network of a small space trained once per seed under one proxy
// budget (bench/digits-bench/make-table.ts). Looking up a network's accuracy then needs no
// training, as in NAS-Bench; the accelerator metrics still come live from the simulator.
import { z } from 'zod';
import { builtinDataset } from '../core/data/builtins.js';
import { SearchSpace } from '../core/space/encoding.js';
import type { NetworkArch } from '../core/space/types.js';
import { parseWith } from '../core/spec/parse.js';
import { SearchSpec } from '../core/spec/schema.js';
import { quantile } from '../core/stats.js';

/** The network space of the table (one stage); hyper-parameters fixed to one choice each. */
export const TABLE_SPACE = {
  network: {
    stages: 1,
    stemFilters: [8],
    blockType: ['mbconv', 'fused-mbconv', 'conv'],
    kernel: [3, 5],
    expansion: [1, 3, 6],
    filters: [8, 16, 32],
    layers: [1, 2],
    squeezeExcite: [false, true],
    stride: [1, 2],
  },
  hyperparameters: { learningRate: [0.01], weightDecay: [0], optimizer: ['adam'], batchSize: [16] },
} as const;

/** The proxy budget: few steps on a capped train set, so accuracies spread instead of saturating. */
export const TABLE_TRAINING = {
  dataset: { uri: 'builtin:digits', format: 'builtin', maxTrainSamples: 400 },
  steps: 80,
  dataSeed: 0,
} as const;

const Network = z.custom<NetworkArch>((v) => typeof v === 'object' && v !== null && 'stages' in v);

const Entry = z.strictObject({
  id: z.string().min(1),
  tokens: z.array(z.number().int().min(0)),
  network: Network,
  testAccuracy: z.array(z.number().min(0).max(1)).min(1),
  meanTestAccuracy: z.number().min(0).max(1),
  cost: z.strictObject({
    steps: z.number().int().min(1),
    examples: z.number().int().min(1),
    trainSeconds: z.array(z.number().min(0)),
  }),
  params: z.number().int().min(0),
  macs: z.number().int().min(0),
});
export type TableEntry = z.infer<typeof Entry>;

export const TableFile = z.strictObject({
  version: z.literal(1),
  name: z.string(),
  space: z.record(z.string(), z.unknown()),
  training: z.record(z.string(), z.unknown()),
  seeds: z.number().int().min(1),
  generation: z.strictObject({ seconds: z.number().min(0), workers: z.number().int().min(1) }),
  spread: z.strictObject({ p10: z.number(), p50: z.number(), p90: z.number() }),
  archs: z.array(Entry).min(1),
});
export type TableFile = z.infer<typeof TableFile>;

/**
 * One training run of a runs table (version 2, e.g. fashion-bench): one network under one seed,
 * with where and when it ran. Runs are keyed by (arch, seed), so a generator that stops can
 * resume anywhere by skipping the keys already there.
 */
export const TableRun = z.strictObject({
  arch: z.string().min(1),
  seed: z.number().int().min(0),
  tokens: z.array(z.number().int().min(0)),
  testAccuracy: z.number().min(0).max(1),
  valAccuracy: z.number().min(0).max(1),
  /**
   * The same trained network after 8-bit post-training quantization (core/quantize). Only the
   * table's first runs have it: scoring it cost twice the proxy's training, and on Fashion-MNIST
   * it moves accuracy by under 0.1 point, so later runs record fp32 alone.
   */
  int8TestAccuracy: z.number().min(0).max(1).optional(),
  testExamples: z.number().int().min(1),
  valExamples: z.number().int().min(1),
  steps: z.number().int().min(1),
  examples: z.number().int().min(1),
  params: z.number().int().min(0),
  macs: z.number().int().min(0),
  trainSeconds: z.number().min(0),
  started: z.iso.datetime(),
  finished: z.iso.datetime(),
  commit: z.string().min(1),
  backend: z.string().min(1),
  node: z.string().min(1),
});
export type TableRun = z.infer<typeof TableRun>;

/**
 * A table written run by run (version 2): the plan (how many networks, drawn how; how many seeds)
 * and the runs done so far, in any order. Only networks with every seed done are looked up.
 */
export const RunsTableFile = z.strictObject({
  version: z.literal(2),
  name: z.string(),
  space: z.record(z.string(), z.unknown()),
  training: z.record(z.string(), z.unknown()),
  seeds: z.number().int().min(1),
  sampling: z.strictObject({ archs: z.number().int().min(1), seed: z.string(), note: z.string() }),
  runs: z.array(TableRun),
});
export type RunsTableFile = z.infer<typeof RunsTableFile>;

/** A runs table's complete networks (all seeds done) as version-1 entries, in first-run order. */
export function runsToTable(file: RunsTableFile, source: string): TableFile {
  const space = new SearchSpace(SearchSpec.parse({ space: file.space }));
  const byArch = new Map<string, TableRun[]>();
  file.runs.forEach((r, i) => {
    if (r.seed >= file.seeds)
      throw new Error(`${source}: runs[${i}]: seed ${r.seed}, table says ${file.seeds} seeds (0-based)`);
    const rs = byArch.get(r.arch) ?? [];
    if (rs.some((x) => x.seed === r.seed))
      throw new Error(`${source}: runs[${i}]: ${r.arch} seed ${r.seed} twice`);
    const id = tableNetworkId(space, r.tokens);
    if (id !== r.arch) throw new Error(`${source}: runs[${i}]: tokens are network ${id}, not ${r.arch}`);
    rs.push(r);
    byArch.set(r.arch, rs);
  });
  const archs: TableEntry[] = [];
  for (const [id, rs] of byArch) {
    if (rs.length < file.seeds) continue;
    rs.sort((a, b) => a.seed - b.seed);
    const acc = rs.map((r) => r.testAccuracy);
    archs.push({
      id,
      tokens: rs[0]!.tokens,
      network: space.decode(rs[0]!.tokens).network,
      testAccuracy: acc,
      meanTestAccuracy: acc.reduce((a, b) => a + b, 0) / acc.length,
      cost: { steps: rs[0]!.steps, examples: rs[0]!.examples, trainSeconds: rs.map((r) => r.trainSeconds) },
      params: rs[0]!.params,
      macs: rs[0]!.macs,
    });
  }
  if (archs.length === 0) throw new Error(`${source}: no network has all ${file.seeds} seeds yet`);
  const means = archs.map((a) => a.meanTestAccuracy);
  return {
    version: 1,
    name: file.name,
    space: file.space,
    training: file.training,
    seeds: file.seeds,
    generation: { seconds: file.runs.reduce((a, r) => a + r.trainSeconds, 0), workers: 1 },
    spread: { p10: quantile(means, 0.1), p50: quantile(means, 0.5), p90: quantile(means, 0.9) },
    archs,
  };
}

/**
 * What a benchmark needs to know of a table's task, read from the table itself so any table works
 * (digits-bench, or another one built the same way): the search space the table was built over,
 * and the input the networks see (for the simulator's layer shapes). A table whose space has no
 * `accelerator` is searched with the spec's default accelerator space.
 */
export function tableTask(file: TableFile): {
  space: Record<string, unknown>;
  inputShape: [number, number, number];
  numClasses: number;
} {
  const ds = file.training.dataset as { uri?: unknown; shape?: unknown; numClasses?: unknown } | undefined;
  const uri = typeof ds?.uri === 'string' ? ds.uri : undefined;
  const builtin = uri === undefined ? undefined : builtinDataset(uri);
  const shape = builtin?.shape ?? ds?.shape;
  const numClasses = builtin?.numClasses ?? ds?.numClasses;
  const isShape = (v: unknown): v is [number, number, number] =>
    Array.isArray(v) && v.length === 3 && v.every((x) => Number.isInteger(x) && x > 0);
  if (!isShape(shape) || !Number.isInteger(numClasses))
    throw new Error(
      `${file.name}: training.dataset must be a builtin dataset or give shape [h, w, c] and numClasses (got ${JSON.stringify(ds)})`,
    );
  return { space: file.space, inputShape: shape, numClasses: numClasses as number };
}

/** Indices of the network decisions of a space (the ones the table is keyed on). */
export function networkDecisions(space: SearchSpace): number[] {
  return space.decisions.flatMap((d, i) => (d.group === 'network' ? [i] : []));
}

/**
 * The table key of a candidate: the canonical id (`space.idOf`) of its network decisions with every
 * other decision at token 0. `space` must be built from TABLE_SPACE (any accelerator space).
 */
export function tableNetworkId(space: SearchSpace, tokens: readonly number[]): string {
  const net = new Set(networkDecisions(space));
  return space.idOf(tokens.map((t, i) => (net.has(i) ? t : 0)));
}

/** Every distinct canonical network of a space, in token order: {table id, canonical tokens}. */
export function enumerateNetworks(space: SearchSpace): { id: string; tokens: number[] }[] {
  const idx = networkDecisions(space);
  const out = new Map<string, number[]>();
  const tokens = space.decisions.map(() => 0);
  const rec = (k: number): void => {
    if (k === idx.length) {
      const canon = space.canonicalize(tokens);
      const id = space.idOf(canon);
      if (!out.has(id)) out.set(id, canon);
      return;
    }
    const i = idx[k]!;
    for (let t = 0; t < space.decisions[i]!.choices.length; t++) {
      tokens[i] = t;
      rec(k + 1);
    }
  };
  rec(0);
  return [...out].map(([id, t]) => ({ id, tokens: t }));
}

export class AccuracyTable {
  private readonly byId: ReadonlyMap<string, TableEntry>;

  constructor(readonly file: TableFile) {
    const m = new Map<string, TableEntry>();
    file.archs.forEach((a, i) => {
      if (m.has(a.id)) throw new Error(`${file.name}: archs[${i}]: duplicate id ${a.id}`);
      if (a.testAccuracy.length !== file.seeds)
        throw new Error(
          `${file.name}: archs[${i}]: ${a.testAccuracy.length} accuracies, table says ${file.seeds} seeds`,
        );
      m.set(a.id, a);
    });
    this.byId = m;
  }

  /** Parses and validates a table's JSON text; `source` names it in errors. */
  static parse(text: string, source: string): AccuracyTable {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${source}: not JSON (${(e as Error).message})`);
    }
    const isRuns = typeof raw === 'object' && raw !== null && (raw as { version?: unknown }).version === 2;
    const r = isRuns ? parseWith(RunsTableFile, raw) : parseWith(TableFile, raw);
    if (!r.ok)
      throw new Error(`${source}: ${r.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    const file = isRuns ? runsToTable(r.value as RunsTableFile, source) : (r.value as TableFile);
    try {
      return new AccuracyTable(file);
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The entry of a canonical network id (of the table space's SearchSpace); throws on unknown ids. */
  get(id: string): TableEntry {
    const e = this.byId.get(id);
    if (!e) throw new Error(`${this.file.name}: unknown architecture id ${id}`);
    return e;
  }

  /**
   * The tokens with their network replaced by the table's nearest network, for tables that sample
   * their space instead of listing all of it (fashion-bench): a tabulated network is kept as it
   * is; another one becomes the tabulated network with the fewest differing canonical network
   * decisions, the first in table order on a tie. Other decisions are kept.
   */
  snap(space: SearchSpace, tokens: readonly number[]): number[] {
    if (this.byId.has(tableNetworkId(space, tokens))) return [...tokens];
    const net = networkDecisions(space);
    const canon = space.canonicalize(tokens);
    let best = this.file.archs[0]!;
    let bestD = Number.POSITIVE_INFINITY;
    for (const a of this.file.archs) {
      let d = 0;
      for (const i of net) if (a.tokens[i] !== canon[i]) d++;
      if (d < bestD) {
        best = a;
        bestD = d;
      }
    }
    const out = [...tokens];
    for (const i of net) out[i] = best.tokens[i]!;
    return out;
  }

  /** Mean test accuracy over seeds, or one seed's (seed index modulo the table's seeds). */
  accuracy(id: string, seed?: number): number {
    const e = this.get(id);
    if (seed === undefined) return e.meanTestAccuracy;
    return e.testAccuracy[((seed % e.testAccuracy.length) + e.testAccuracy.length) % e.testAccuracy.length]!;
  }
}
