// Regenerates bench/digits-bench/table.json: every canonical architecture of a small network space,
// trained with the project's trainer under one fixed proxy budget, several seeds each.
//
//   npx tsx bench/digits-bench/make-table.ts [--workers 2] [--seeds 3] [--out bench/digits-bench/table.json]
//   npx tsx bench/digits-bench/make-table.ts --probe 12     # time and spread on a few archs only
//
// Last run: 336 networks × 3 seeds, 2 worker processes on a loaded 2-core machine, 1421 s.
//
// Deterministic: the split is fixed (dataSeed), each run is seeded by its seed index, and the
// workers only split the list; timings are recorded but never used.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../core/rng.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { DatasetSpec, SearchSpec, TrainingSpec } from '../../core/spec/schema.js';
import { quantile } from '../../core/stats.js';
import { trainChild } from '../../core/training/train.js';
import { enumerateNetworks, TABLE_SPACE, TABLE_TRAINING, type TableEntry } from '../tabular.js';

const here = fileURLToPath(import.meta.url);

function arg(args: string[], k: string, d: string): string {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? (args[i + 1] ?? d) : d;
}

async function trainAll(
  list: { id: string; tokens: number[] }[],
  seeds: number,
  log: (s: string) => void,
): Promise<TableEntry[]> {
  const spec = SearchSpec.parse({ space: TABLE_SPACE });
  const space = new SearchSpace(spec);
  const dataset = DatasetSpec.parse(TABLE_TRAINING.dataset);
  const training = TrainingSpec.parse({ steps: TABLE_TRAINING.steps });
  const out: TableEntry[] = [];
  for (const [n, a] of list.entries()) {
    const c = space.decode(a.tokens);
    const accs: number[] = [];
    const secs: number[] = [];
    let params = 0;
    let macs = 0;
    let steps = 0;
    for (let s = 0; s < seeds; s++) {
      const r = await trainChild({
        arch: c.network,
        hyperparameters: c.hyperparameters,
        dataset,
        training,
        seed: s,
        dataSeed: TABLE_TRAINING.dataSeed,
      });
      if (r.status !== 'ok') throw new Error(`${a.id} seed ${s}: ${r.status} ${r.reason ?? ''}`);
      accs.push(r.testAccuracy);
      secs.push(r.trainSeconds);
      params = r.params;
      macs = r.macs;
      steps = r.stepsDone;
    }
    const mean = accs.reduce((x, y) => x + y, 0) / accs.length;
    out.push({
      id: a.id,
      tokens: a.tokens,
      network: c.network,
      testAccuracy: accs,
      meanTestAccuracy: mean,
      cost: {
        steps,
        examples: steps * c.hyperparameters.batchSize,
        trainSeconds: secs,
      },
      params,
      macs,
    });
    log(`${n + 1}/${list.length} ${a.id.slice(0, 8)} ${accs.map((x) => x.toFixed(3)).join(' ')}`);
  }
  return out;
}

function runWorker(shard: number, of: number, seeds: number, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [...process.execArgv, here, '--shard', `${shard}/${of}`, '--seeds', String(seeds), '--part', file],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${shard} exited ${code}`))));
  });
}

async function main(args: string[]): Promise<void> {
  const t0 = performance.now();
  const space = new SearchSpace(SearchSpec.parse({ space: TABLE_SPACE }));
  const all = enumerateNetworks(space);
  const seeds = Number(arg(args, 'seeds', '3'));
  const shardArg = arg(args, 'shard', '');
  if (shardArg) {
    const [k, n] = shardArg.split('/').map(Number) as [number, number];
    // Shuffled before dealing: in token order, i % 2 would give one worker every stride-1 (slow) network.
    const order = Rng.fromSeed('shards').shuffle(all.map((_, i) => i));
    const mine = order.filter((_, j) => j % n === k).map((i) => all[i]!);
    const rows = await trainAll(mine, seeds, (s) => process.stderr.write(`[w${k}] ${s}\n`));
    writeFileSync(arg(args, 'part', ''), JSON.stringify(rows));
    return;
  }
  const probe = Number(arg(args, 'probe', '0'));
  let rows: TableEntry[];
  if (probe > 0) {
    const pick = Rng.fromSeed('probe')
      .shuffle([...all])
      .slice(0, probe);
    rows = await trainAll(pick, seeds, (s) => process.stderr.write(`${s}\n`));
  } else {
    // Warm up in this process first, so the native kernels are built once, not by two workers at once.
    await trainAll(all.slice(0, 1), 1, () => {});
    const workers = Number(arg(args, 'workers', '2'));
    const parts = Array.from({ length: workers }, (_, k) => join(tmpdir(), `digits-bench-part${k}.json`));
    await Promise.all(parts.map((f, k) => runWorker(k, workers, seeds, f)));
    const byId = new Map(
      parts.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as TableEntry[]).map((r) => [r.id, r])),
    );
    rows = all.map((a) => byId.get(a.id)!);
  }
  const means = rows.map((r) => r.meanTestAccuracy);
  const p10 = quantile(means, 0.1);
  const p90 = quantile(means, 0.9);
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(
    `archs ${rows.length} seeds ${seeds} mean-acc p10 ${p10.toFixed(4)} p50 ${quantile(means, 0.5).toFixed(4)} p90 ${p90.toFixed(4)} spread ${(100 * (p90 - p10)).toFixed(2)} points; ${seconds.toFixed(0)} s\n`,
  );
  if (probe > 0) return;
  const table = {
    version: 1,
    name: 'digits-bench',
    space: TABLE_SPACE,
    training: TABLE_TRAINING,
    seeds,
    generation: { seconds: Math.round(seconds), workers: Number(arg(args, 'workers', '2')) },
    spread: { p10, p50: quantile(means, 0.5), p90 },
    archs: rows,
  };
  const out = arg(args, 'out', 'bench/digits-bench/table.json');
  writeFileSync(out, `${JSON.stringify(table)}\n`);
  // The committed file is in the project's formatting, so `npx biome check` stays clean.
  execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'inherit' });
  process.stderr.write(`wrote ${out}\n`);
}

await main(process.argv.slice(2));
