// Checks our `tpe` against Optuna's TPESampler on the digits-bench search benchmark: both search
// the same lookup (every token sequence of the bench's space -> its objective vector, feasibility
// and point in the hypervolume frame, from bench/search.ts's setup), with the same seeds count,
// batch size and target (random search's median hypervolume at 500 samples, as the bench defines it).
//
//   npx tsx bench/digits-bench/optuna-check.ts [--batch 1] [--trials 300] [--seeds 20] [--target 0.85192]
//
// Needs a Python 3 with Optuna (Debian: apt-get install python3-optuna; that is Optuna 3.1).
// Prints JSON: samples to the target per seed and their median, for Optuna and for ours. Different
// random streams, so compare medians, not seeds.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalize } from '../../core/search/pareto.js';
import { median } from '../../core/stats.js';
import { runStrategy, setupBench } from '../search.js';

function arg(args: string[], k: string, d: number): number {
  const i = args.indexOf(`--${k}`);
  const v = i >= 0 ? Number(args[i + 1]) : d;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} needs a positive number`);
  return v;
}

/** The first Python 3 on this machine that can import optuna. */
function python(): string {
  for (const exe of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(exe, ['-c', 'import optuna'], { stdio: 'ignore' });
      return exe;
    } catch {
      // try the next one
    }
  }
  throw new Error('no python3 with optuna found (Debian: apt-get install python3-optuna)');
}

async function main(args: string[]): Promise<void> {
  const batch = arg(args, 'batch', 1);
  const trials = arg(args, 'trials', 300);
  const seeds = arg(args, 'seeds', 20);
  // Random search's median hypervolume at 500 samples on digits-bench (npm run bench -- search).
  const target = arg(args, 'target', 0.85192);
  const exe = python();
  const b = await setupBench({ accuracy: 'table', table: 'bench/digits-bench/table.json', batch });
  const cards = b.space.cardinalities;
  const table: Record<string, { o: number[] | null; h: number[] | null }> = {};
  const tokens: number[] = [];
  const walk = (d: number): void => {
    if (d === cards.length) {
      const e = b.evaluate(tokens);
      const h =
        e.accuracy === null
          ? null
          : normalize(
              { id: e.id, metrics: { accuracy: e.accuracy, latencyMs: Math.log10(e.latencyMs) } },
              ['accuracy', 'latencyMs'],
              b.frame,
            );
      table[tokens.join(',')] = { o: e.objectives, h };
      return;
    }
    for (let c = 0; c < cards[d]!; c++) {
      tokens[d] = c;
      walk(d + 1);
    }
  };
  walk(0);
  const dir = mkdtempSync(join(tmpdir(), 'cosearch-optuna-'));
  try {
    const lookup = join(dir, 'lookup.json');
    writeFileSync(lookup, JSON.stringify({ cards, table }));
    const script = fileURLToPath(new URL('./optuna_tpe.py', import.meta.url));
    const out = JSON.parse(
      execFileSync(exe, [script, lookup, String(batch), String(trials), String(seeds), String(target)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    ) as { optuna: string; samplesToTarget: number[] };
    const ours = Array.from({ length: seeds }, (_, seed) => {
      const c = runStrategy(b, { name: 'tpe' }, seed, {
        budget: trials,
        batch,
        rngLabel: `bench-search:tpe:${seed}`,
      });
      const i = c.hv.findIndex((x) => x >= target);
      return i < 0 ? trials + 1 : i + 1;
    });
    process.stdout.write(
      `${JSON.stringify(
        {
          batch,
          trials,
          target,
          optuna: { version: out.optuna, median: median(out.samplesToTarget), perSeed: out.samplesToTarget },
          tpe: { median: median(ours), perSeed: ours },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
