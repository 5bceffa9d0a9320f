// cosearch export: csv, an Optuna journal that Debian's python3-optuna loads, and an MLflow runs
// directory in the file store's layout. One small real search (trained children, loss curves).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import { loadEvaluations } from '../../core/engine/results.js';
import { experimentIdOf } from '../../core/export/mlflow.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { runSession } from '../../local/session.js';
import { mainInOneProcess, type Run } from '../helpers/cli.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const run = promisify(execFile);
const ID = 'export-me';
let dir: string;
let evaluated = 0;
let frontCids: string[] = [];
let runs: Run[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-export-'));
  const store = new FileStore(join(dir, 'store'));
  await createSearch(
    store,
    tinySpec({ strategy: { name: 'random', iterations: 2, batchSize: 3, seed: 9 } }),
    ID,
  );
  await runSession(store, ID, { workers: 0 });
  evaluated = (await loadEvaluations(store, ID, 2)).length;
  frontCids = (await getJson<{ paretoFront: { cid: string }[] }>(store, keys.results(ID))).paretoFront.map(
    (e) => e.cid,
  );
  const s = ['--store', `file://${join(dir, 'store')}`];
  runs = await mainInOneProcess([
    ['export', ID, ...s],
    ['export', ID, ...s, '--format', 'optuna', '--out', join(dir, 'study.log')],
    ['export', ID, ...s, '--format', 'mlflow', '--out', join(dir, 'mlruns')],
    ['export', ID, ...s, '--format', 'parquet'],
    ['export', 'no-such-search', ...s],
  ]);
}, 600_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cosearch export', () => {
  it('csv: one row per evaluation with every decision as a column; bad input exits 2', () => {
    const [csv, , , format, missing] = runs;
    expect(csv!.code).toBe(0);
    const lines = csv!.stdout.trim().split('\n');
    expect(lines).toHaveLength(1 + evaluated);
    expect(lines[0]).toMatch(/^number,cid,iteration,status,reward,onFront,cached,accuracy,/);
    expect(lines[0]).toContain('network.stage1.kernel');
    expect(format!.code).toBe(2);
    expect(format!.stderr).toMatch(/argument 'parquet' is invalid\. Allowed choices are csv, optuna, mlflow/);
    expect(missing!.code).toBe(2);
    expect(missing!.stderr).toMatch(/no search no-such-search/);
  });

  // Debian's python3-optuna (apt-get install python3-optuna; .ci/run installs it).
  const PYTHON = process.env.COSEARCH_PYTHON ?? '/usr/bin/python3';
  const haveOptuna = (() => {
    if (!existsSync(PYTHON)) return false;
    try {
      execFileSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!haveOptuna)
    console.warn(
      `SKIPPING the Optuna load check: ${PYTHON} cannot import optuna. Install it with: apt-get install -y python3-optuna`,
    );

  it.skipIf(!haveOptuna)(
    'optuna: optuna.load_study reads every trial, its parameters, values and loss curve',
    async () => {
      expect(runs[1]!.code).toBe(0);
      expect(runs[1]!.stderr).toContain(`study "${ID}" with ${evaluated} trials`);
      const script = `
import json, sys, warnings
warnings.simplefilter("ignore")
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name=sys.argv[2], storage=optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(sys.argv[1])))
done = [t for t in s.trials if t.state == optuna.trial.TrialState.COMPLETE]
df = s.trials_dataframe()
print(json.dumps({
  "n": len(s.trials),
  "directions": [d.name for d in s.directions],
  "complete": len(done),
  "cids": [t.user_attrs["cid"] for t in s.trials],
  "best": sorted(s.best_trials[i].user_attrs["cid"] for i in range(len(s.best_trials))),
  "kernel": done[0].params["network.stage1.kernel"],
  "values": done[0].values,
  "accuracy": done[0].user_attrs["accuracy"],
  "steps": sorted(done[0].intermediate_values),
  "columns": list(df.columns),
  "user_attrs": s.user_attrs,
}))`;
      const { stdout } = await run(PYTHON, ['-c', script, join(dir, 'study.log'), ID]);
      const r = JSON.parse(stdout) as {
        n: number;
        directions: string[];
        complete: number;
        cids: string[];
        best: string[];
        kernel: number;
        values: number[];
        accuracy: number;
        steps: number[];
        columns: string[];
        user_attrs: Record<string, unknown>;
      };
      expect(r.n).toBe(evaluated);
      expect(r.directions).toEqual(['MAXIMIZE', 'MINIMIZE', 'MINIMIZE', 'MINIMIZE']);
      expect(r.complete).toBeGreaterThan(0);
      expect(r.kernel).toBe(3);
      expect(r.values[0]).toBe(r.accuracy);
      // tinySpec trains 5 steps: the loss at every one of them.
      expect(r.steps).toEqual([1, 2, 3, 4, 5]);
      expect(r.columns).toEqual(
        expect.arrayContaining(['number', 'values_0', 'params_network.stage1.block', 'user_attrs_cid']),
      );
      expect(r.user_attrs).toMatchObject({ cosearch_search_id: ID, strategy: 'random', seed: 9 });
      // Optuna's own Pareto front, on the exported values, is among the search's evaluated candidates and
      // includes candidates of its front (the search's front also weighs the same four objectives).
      for (const c of r.best) expect(r.cids).toContain(c);
      expect(r.best.some((c) => frontCids.includes(c))).toBe(true);
    },
  );

  it("mlflow: the file store's layout, with params, metrics, tags and an artifact per run", async () => {
    expect(runs[2]!.code).toBe(0);
    const root = join(dir, 'mlruns');
    const exp = experimentIdOf(ID);
    expect((await readdir(root)).sort()).toEqual(['0', exp].sort());
    const expMeta = await readFile(join(root, exp, 'meta.yaml'), 'utf8');
    expect(expMeta).toMatch(new RegExp(`^experiment_id: '${exp}'$`, 'm'));
    expect(expMeta).toMatch(/^name: cosearch-export-me$/m);
    expect(expMeta).toMatch(/^artifact_location: file:\/\/\//m);
    const runIds = (await readdir(join(root, exp))).filter((f) => f !== 'meta.yaml');
    expect(runIds).toHaveLength(evaluated);
    let finished = 0;
    for (const id of runIds) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const d = join(root, exp, id);
      const meta = await readFile(join(d, 'meta.yaml'), 'utf8');
      expect(meta).toMatch(new RegExp(`^run_id: ${id}$`, 'm'));
      expect(meta).toMatch(new RegExp(`^run_uuid: ${id}$`, 'm'));
      expect(meta).toMatch(/^status: [34]$/m);
      expect(meta).toMatch(/^lifecycle_stage: active$/m);
      expect(meta).toMatch(/^start_time: \d{13}$/m);
      expect(await readFile(join(d, 'params', 'network.stage1.kernel'), 'utf8')).toBe('3');
      expect(await readFile(join(d, 'tags', 'mlflow.runName'), 'utf8')).toMatch(/^trial-\d+-[0-9a-f]{16}$/);
      const cid = await readFile(join(d, 'tags', 'cosearch.cid'), 'utf8');
      const artifact = JSON.parse(await readFile(join(d, 'artifacts', 'candidate.json'), 'utf8'));
      expect(artifact.cid).toBe(cid);
      if (/^status: 3$/m.test(meta)) {
        finished++;
        // "timestamp value step": one accuracy, and the loss at each training step.
        expect(await readFile(join(d, 'metrics', 'accuracy'), 'utf8')).toMatch(/^\d{13} [\d.e-]+ 0\n$/);
        const loss = (await readFile(join(d, 'metrics', 'training_loss'), 'utf8')).trim().split('\n');
        expect(loss.map((l) => Number(l.split(' ')[2]))).toEqual([1, 2, 3, 4, 5]);
      }
    }
    expect(finished).toBeGreaterThan(0);
    expect(await readFile(join(root, '0', 'meta.yaml'), 'utf8')).toMatch(/^name: Default$/m);
  });
});
