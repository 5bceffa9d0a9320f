// SIGKILL a real `cosearch run` after an iteration's first metric is written, resume it, and
// compare with an uninterrupted run of the same spec and seed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { runSession } from '../../local/session.js';
import { withoutRunSpecific } from '../helpers/normalize.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-resume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', 'bin/cosearch.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

const exited = (p: ChildProcess) => new Promise<number | null>((r) => p.once('exit', (code) => r(code)));

/** The search id once iteration k has its first metric object, polling for up to 2 minutes. */
async function waitForMetric(root: string, iteration: number): Promise<string | undefined> {
  for (let i = 0; i < 600; i++) {
    const id = await firstMetricOf(root, iteration);
    if (id) return id;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

async function firstMetricOf(root: string, iteration: number): Promise<string | undefined> {
  try {
    const [id] = await readdir(join(root, 'searches'));
    if (!id) return undefined;
    const cids = await readdir(join(root, 'searches', id, 'metrics', `iter-${iteration}`));
    return cids.length ? id : undefined;
  } catch {
    return undefined;
  }
}

it('a run killed mid-iteration and resumed equals an uninterrupted run', async () => {
  const spec = tinySpec({
    strategy: { name: 'reinforce', iterations: 3, batchSize: 3, seed: 4, concurrency: 1 },
  });
  const specFile = join(dir, 'spec.json');
  await writeFile(specFile, JSON.stringify(spec));

  // Reference: the same spec, uninterrupted.
  const refStore = new FileStore(join(dir, 'ref'));
  await createSearch(refStore, spec, 'reference');
  await runSession(refStore, 'reference', { workers: 1 });
  const reference = await getJson(refStore, keys.results('reference'));

  const root = join(dir, 'killed');
  const run = cli(['run', specFile, '--store', `file://${root}`, '--json']);
  const id = await waitForMetric(root, 2);
  expect(id).toBeDefined();
  run.kill('SIGKILL');
  await exited(run);
  const store = new FileStore(root);
  expect(await store.tryGet(keys.results(id!))).toBeUndefined();

  const resume = cli(['resume', id!, '--store', `file://${root}`, '--json']);
  let out = '';
  resume.stdout!.on('data', (d) => {
    out += d;
  });
  expect(await exited(resume)).toBe(0);
  expect(JSON.parse(out).status).toBe('succeeded');
  const resumed = await getJson(store, keys.results(id!));
  expect(withoutRunSpecific(resumed)).toEqual(withoutRunSpecific(reference));
});

it('Ctrl-C stops cleanly through the stop flag: Finalize runs and results are written', async () => {
  const spec = tinySpec({
    strategy: { name: 'random', iterations: 6, batchSize: 2, seed: 8, concurrency: 1 },
  });
  const specFile = join(dir, 'spec-int.json');
  await writeFile(specFile, JSON.stringify(spec));
  const root = join(dir, 'interrupted');
  const run = cli(['run', specFile, '--store', `file://${root}`]);
  const store = new FileStore(root);
  const id = await waitForMetric(root, 1);
  expect(id).toBeDefined();
  run.kill('SIGINT');
  expect(await exited(run)).toBe(0);
  const results = await getJson<{ status: string; stopReason: string; iterations: number }>(
    store,
    keys.results(id!),
  );
  expect(results.status).toBe('stopped');
  expect(results.stopReason).toBe('stop-flag');
  expect(results.iterations).toBeLessThan(6);
});
