// Deployed bundles must load and run: build handlers the way the stack bundles them (ESM, the
// banner, the runtime's AWS SDK left external; infra/function-defaults.ts) and run them in a
// plain Node process, as Lambda does, Powertools (and the X-Ray SDK it loads) included.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
} from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { initSearch } from '../../core/engine/init.js';
import { keys } from '../../core/engine/keys.js';
import { sampleCandidates } from '../../core/engine/sample.js';
import { SearchSpec } from '../../core/spec/schema.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { BUILTIN_DATA_FILES, ESM_BANNER } from '../../infra/function-defaults.js';
import { HANDLERS } from '../../infra/handlers.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/lib/observability.js';
import { METRIC } from '../../lambdas/lib/step-metrics.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repo, so the externals resolve from its node_modules as /var/runtime's would.
const out = join(root, '.tmp', `bundle-test-${process.pid}`);
const temps: string[] = [];
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

/** The zip functions' esbuild settings (NodejsFunction's bundling in infra/function-defaults.ts). */
const zipBundle = (entry: string, outfile: string): BuildOptions => ({
  entryPoints: [join(root, entry)],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  banner: { js: ESM_BANNER },
  external: ['@tensorflow/tfjs-node', '@aws-sdk/*'],
  outfile,
  logLevel: 'error',
});

it('the finalize bundle (which inlines a module importing createRequire) loads', async () => {
  await mkdir(out, { recursive: true });
  const outfile = join(out, 'finalize.mjs');
  await build(zipBundle(HANDLERS.finalize, outfile));
  // A plain Node process, as Lambda loads it (vitest would transform the file on import).
  const probe = `import(${JSON.stringify(pathToFileURL(outfile).href)}).then((m) => console.log(typeof m.handler))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    env: { ...process.env, COSEARCH_STORE: 's3://unused-bucket' },
  });
  expect(r.stderr).not.toMatch(/SyntaxError/);
  expect(r.stdout.trim()).toBe('function');
}, 60_000);

/**
 * Lambda's conditions: the bundle in a task folder the process cannot write, a temp folder it can,
 * the runtime's AWS SDK and nothing else beside the bundle, and no compiler (PATH holds only node).
 * As root, the child runs as `nobody`, so read-only really means read-only.
 */
it('the TrainChild zip bundle trains a child on cpu+wasm in plain Node, without g++, from a read-only folder', async () => {
  const base = mkdtempSync(join(tmpdir(), 'cosearch-lambda-'));
  temps.push(base);
  chmodSync(base, 0o755);
  const task = join(base, 'task');
  mkdirSync(join(task, 'data'), { recursive: true });
  await build(zipBundle(HANDLERS.trainChild, join(task, 'index.mjs')));
  for (const f of BUILTIN_DATA_FILES) copyFileSync(join(root, 'data', f), join(task, 'data', f));
  // As /var/runtime/node_modules offers it: the AWS SDK only (its own dependencies resolve from the repo).
  mkdirSync(join(base, 'node_modules'));
  symlinkSync(join(root, 'node_modules', '@aws-sdk'), join(base, 'node_modules', '@aws-sdk'));
  mkdirSync(join(base, 'bin'));
  symlinkSync(process.execPath, join(base, 'bin', 'node'));
  const writable = [join(base, 'tmp'), join(base, 'store')];
  for (const d of writable) mkdirSync(d);

  // The search, its dataset facts and a candidate, prepared in the store as the earlier steps would.
  const store = new FileStore(join(base, 'store'));
  const searchId = 'bundle-wasm';
  const spec = SearchSpec.parse({
    name: 'bundle-wasm',
    dataset: { uri: 'builtin:digits' },
    strategy: { name: 'random', seed: 3, batchSize: 1, iterations: 1 },
    training: { steps: 20, batchSize: 32 },
  });
  await createSearch(store, spec, searchId);
  await initSearch({ store }, { searchId });
  const { candidates } = await sampleCandidates({ store }, { searchId, iteration: 1 });
  const cid = candidates[0]!;

  const asRoot = process.getuid?.() === 0;
  const nobody = 65534;
  for (const d of [task, join(task, 'data')]) {
    for (const f of readdirSync(d, { withFileTypes: true }))
      if (f.isFile()) chmodSync(join(d, f.name), 0o444);
    chmodSync(d, 0o555);
  }
  const chownAll = (d: string) => {
    chownSync(d, nobody, nobody);
    for (const f of readdirSync(d, { withFileTypes: true }))
      f.isDirectory() ? chownAll(join(d, f.name)) : chownSync(join(d, f.name), nobody, nobody);
  };
  if (asRoot) for (const d of writable) chownAll(d);

  const event = { searchId, iteration: 1, cid };
  const probe = `import(${JSON.stringify(pathToFileURL(join(task, 'index.mjs')).href)})
    .then((m) => m.handler(${JSON.stringify(event)}, {}))
    .then((r) => console.log(JSON.stringify(r)))`;
  const r = spawnSync(join(base, 'bin', 'node'), ['--input-type=module', '-e', probe], {
    cwd: task,
    encoding: 'utf8',
    timeout: 240_000,
    ...(asRoot ? { uid: nobody, gid: nobody } : {}),
    env: {
      PATH: join(base, 'bin'),
      HOME: join(base, 'tmp'),
      TMPDIR: join(base, 'tmp'),
      COSEARCH_STORE: `file://${join(base, 'store')}`,
      COSEARCH_DATA_DIR: join(task, 'data'),
      AWS_LAMBDA_FUNCTION_NAME: 'TrainChild',
    },
  });
  expect(r.stderr).toBe('');
  // Lambda's stdout: the handler's JSON log line and its metrics (EMF), then the probe's result.
  const out = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(out.at(-1)).toMatchObject({ cid, status: 'ok' });
  expect(out.find((l) => l.message === 'done')).toMatchObject({
    level: 'INFO',
    service: SERVICE_NAME,
    searchId,
    candidateId: cid,
    iteration: 1,
    status: 'ok',
  });
  const emf = out.find((l) => l._aws) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string }[] };
  };
  expect(emf._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
  expect(emf).toMatchObject({ [METRIC.childrenTrained]: 1, candidateId: cid, backend: 'cpu+wasm' });
  expect(emf[METRIC.trainSeconds]).toBeGreaterThan(0);
  expect(out).toHaveLength(3);
  const record = await getJson<{ backend: string; status: string; stepsDone: number }>(
    store,
    keys.training(searchId, 1, cid),
  );
  expect(record).toMatchObject({ backend: 'cpu+wasm', status: 'ok', stepsDone: 20 });
}, 300_000);
