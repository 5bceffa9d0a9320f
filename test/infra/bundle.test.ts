// A deployed bundle must load: build the finalize handler the way the stack bundles it
// (ESM, the banner, the runtime's AWS SDK left external) and import it.
import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { ESM_BANNER } from '../../infra/function-defaults.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repo, so the externals resolve from its node_modules as /var/runtime's would.
const out = join(root, '.tmp', `bundle-test-${process.pid}`);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

it('the finalize bundle (which inlines a module importing createRequire) loads', async () => {
  await mkdir(out, { recursive: true });
  const outfile = join(out, 'finalize.mjs');
  await build({
    entryPoints: [join(root, 'lambdas/handlers/finalize.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    banner: { js: ESM_BANNER },
    external: ['@tensorflow/tfjs-node', '@aws-sdk/*'],
    outfile,
    logLevel: 'error',
  });
  // A plain Node process, as Lambda loads it (vitest would transform the file on import).
  const probe = `import(${JSON.stringify(pathToFileURL(outfile).href)}).then((m) => console.log(typeof m.handler))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    env: { ...process.env, COSEARCH_STORE: 's3://unused-bucket' },
  });
  expect(r.stderr).not.toMatch(/SyntaxError/);
  expect(r.stdout.trim()).toBe('function');
}, 60_000);
