// Builds bench/fashion-bench/table.json run by run: the first ARCHS networks of a seeded sample of
// the NAHAS-like space (space.ts), each trained SEEDS times under one proxy budget (1 epoch on a
// seeded 10,000-image subset of Fashion-MNIST's training set, Adam, cosine), scored on the official
// 10,000-image test set and the 6,000-image validation split.
//
//   npx tsx bench/fashion-bench/make-table.ts [--chunk N] [--archs 500] [--shard I/N] [--out bench/fashion-bench/table.json]
//   npx tsx bench/fashion-bench/make-table.ts --merge PART.json [PART.json ...] [--out bench/fashion-bench/table.json]
//
// `--shard I/N` does only the networks whose index in the plan is I modulo N, so N processes (or
// machines) can each fill their own copy of the table (--out); `--merge` adds the runs of such
// copies to --out, refusing a copy of another plan and keeping the first of any run done twice.
//
// Resumable anywhere, on any machine: runs are keyed by (network id, seed) and done in a fixed
// order (network by network, seed 0 then 1); every finished run is appended to the table with an
// atomic write (temporary file, then rename), and a rerun skips the keys already in the file.
// `--chunk N` stops after N new runs. Any kill is a clean stop, since the file on disk is always a
// complete table (the current run is lost and redone next time; a stray dot-file may stay). Under
// `npx tsx`, tsx's own handlers take SIGINT and SIGTERM, which then wait for the training loop to
// yield; SIGKILL stops at once, as safely. Each run records its own provenance (start/end time,
// seed, git commit, backend, node version).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { loadDataset } from '../../core/data/load.js';
import { DatasetSpec, TrainingSpec } from '../../core/spec/schema.js';
import { trainChild } from '../../core/training/train.js';
import { RunsTableFile, type TableRun } from '../tabular.js';
import {
  ARCHS,
  FASHION_SPACE,
  FASHION_TRAINING,
  fashionSpace,
  SAMPLING_SEED,
  SEEDS,
  sampleArchs,
} from './space.js';

function arg(args: string[], k: string, d: string): string {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? (args[i + 1] ?? d) : d;
}

function positive(args: string[], k: string, d: number): number {
  const v = Number(arg(args, k, String(d)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} needs a positive integer`);
  return v;
}

/** The table as it is on disk, or a new empty one; a file of another plan is refused. */
export function readOrCreate(out: string, archs: number): RunsTableFile {
  const fresh: RunsTableFile = {
    version: 2,
    name: 'fashion-bench',
    space: FASHION_SPACE as unknown as Record<string, unknown>,
    training: FASHION_TRAINING as unknown as Record<string, unknown>,
    seeds: SEEDS,
    sampling: {
      archs,
      seed: SAMPLING_SEED,
      note: 'the first `archs` distinct networks of a uniform stream over the space seeded by `seed` (bench/fashion-bench/space.ts sampleArchs)',
    },
    runs: [],
  };
  if (!existsSync(out)) return fresh;
  const r = RunsTableFile.safeParse(JSON.parse(readFileSync(out, 'utf8')));
  if (!r.success)
    throw new Error(`${out}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const k of ['name', 'space', 'training', 'seeds'] as const)
    if (!same(r.data[k], fresh[k]))
      throw new Error(`${out}: its ${k} is not this generator's; use another --out`);
  if (r.data.sampling.seed !== SAMPLING_SEED) throw new Error(`${out}: sampled with another seed`);
  // A longer plan extends a shorter one (the draw order is fixed).
  return { ...r.data, sampling: { ...r.data.sampling, archs: Math.max(archs, r.data.sampling.archs) } };
}

const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

/** Writes the table formatted as the project formats JSON, atomically (temporary file + rename). */
export function writeTable(out: string, table: RunsTableFile, format = true): void {
  let text = `${JSON.stringify(table)}\n`;
  // Biome's own launcher, not `npx biome`: npx's start-up cost a second of CPU per run.
  if (format)
    text = execFileSync(process.execPath, [BIOME, 'format', `--stdin-file-path=${out}`], {
      input: text,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, out);
}

/** A run's key in a table: its network and seed. */
const runKey = (arch: string, seed: number): string => `${arch}:${seed}`;

/** The runs of the plan not in the table yet, in the fixed order: network by network, seeds ascending. */
export function pendingRuns(
  table: Pick<RunsTableFile, 'runs' | 'seeds'>,
  plan: readonly { id: string; tokens: number[] }[],
): { id: string; tokens: number[]; seed: number }[] {
  const done = new Set(table.runs.map((r) => runKey(r.arch, r.seed)));
  return plan.flatMap((a) =>
    Array.from({ length: table.seeds }, (_, seed) => ({ ...a, seed })).filter(
      (x) => !done.has(runKey(x.id, x.seed)),
    ),
  );
}

/** `I/N` as {index, count}, 0 <= I < N. */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) throw new Error(`--shard needs I/N with 0 <= I < N, got ${s}`);
  return { index, count };
}

/** Adds the runs of `parts` not in `table` yet (keys (network, seed)), in the parts' order. */
export function mergeRuns(table: RunsTableFile, parts: readonly RunsTableFile[]): number {
  const done = new Set(table.runs.map((r) => runKey(r.arch, r.seed)));
  let added = 0;
  for (const p of parts)
    for (const r of p.runs) {
      const k = runKey(r.arch, r.seed);
      if (done.has(k)) continue;
      done.add(k);
      table.runs.push(r);
      added++;
    }
  return added;
}

/** Merges the table copies in `files` into `table` (mergeRuns); each must exist and follow the plan. */
export function mergeFiles(table: RunsTableFile, files: readonly string[]): number {
  if (files.length === 0) throw new Error('--merge needs one or more table files');
  // readOrCreate starts an empty table for a missing file: a mistyped copy must not merge as nothing.
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`--merge: no such table file: ${missing.join(', ')}`);
  return mergeRuns(
    table,
    files.map((f) => readOrCreate(f, table.sampling.archs)),
  );
}

async function main(args: string[]): Promise<void> {
  const out = arg(args, 'out', 'bench/fashion-bench/table.json');
  const chunk = positive(args, 'chunk', Number.MAX_SAFE_INTEGER);
  const table = readOrCreate(out, positive(args, 'archs', ARCHS));
  const merge = args.indexOf('--merge');
  if (merge >= 0) {
    const rest = args.slice(merge + 1);
    const end = rest.findIndex((a) => a.startsWith('--'));
    const files = end < 0 ? rest : rest.slice(0, end);
    const added = mergeFiles(table, files);
    writeTable(out, table);
    process.stderr.write(`${out}: ${added} runs added, ${table.runs.length} in all\n`);
    return;
  }
  const shard = parseShard(arg(args, 'shard', '0/1'));
  const space = fashionSpace();
  const plan = sampleArchs(space, table.sampling.archs);
  const todo = pendingRuns(
    table,
    plan.filter((_, i) => i % shard.count === shard.index),
  );
  process.stderr.write(
    `${out}: ${table.runs.length} runs done, ${todo.length} to go; this chunk: ${Math.min(chunk, todo.length)}\n`,
  );
  if (todo.length === 0) return;
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const data = await loadDataset(DatasetSpec.parse(FASHION_TRAINING.dataset), {
    seed: FASHION_TRAINING.dataSeed,
  });
  // One process, not one Lambda invocation: no wall-clock guard cuts a run short here.
  const training = {
    ...TrainingSpec.parse({ epochs: FASHION_TRAINING.epochs, schedule: FASHION_TRAINING.schedule }),
    maxSeconds: Number.POSITIVE_INFINITY,
  };
  for (const [n, a] of todo.slice(0, chunk).entries()) {
    const c = space.decode(a.tokens);
    const started = new Date();
    const r = await trainChild({
      arch: c.network,
      hyperparameters: c.hyperparameters,
      dataset: data,
      training,
      seed: a.seed,
      scoreQuantized: false,
    });
    if (r.status !== 'ok') throw new Error(`${a.id} seed ${a.seed}: ${r.status} ${r.reason ?? ''}`);
    const run: TableRun = {
      arch: a.id,
      seed: a.seed,
      tokens: a.tokens,
      testAccuracy: r.testAccuracy,
      valAccuracy: r.valAccuracy,
      testExamples: r.testExamples ?? data.test.n,
      valExamples: r.valExamples ?? data.val.n,
      steps: r.stepsDone,
      examples: r.stepsDone * c.hyperparameters.batchSize,
      params: r.params,
      macs: r.macs,
      trainSeconds: r.trainSeconds,
      started: started.toISOString(),
      finished: new Date().toISOString(),
      commit,
      backend: r.backend,
      node: process.version,
    };
    table.runs.push(run);
    writeTable(out, table);
    const secs = (Date.parse(run.finished) - started.getTime()) / 1000;
    process.stderr.write(
      `${table.runs.length}/${plan.length * table.seeds} ${a.id} seed ${a.seed}: test ${r.testAccuracy.toFixed(4)} val ${r.valAccuracy.toFixed(4)} ${secs.toFixed(1)} s (${n + 1} this chunk)\n`,
    );
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) await main(process.argv.slice(2));
