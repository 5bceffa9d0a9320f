// The layering rule of the README (core pure, lambdas thin, infra only synthesizes) is enforced
// by Biome's noRestrictedImports in biome.json, so `npm run lint` fails on a violation. This
// checks that the configuration really refuses each forbidden direction and allows the rest,
// by linting small probe trees with the repository's own biome.json.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const BIOME = resolve('node_modules/.bin/biome');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Lint one file `from` that imports `to` (both repository paths); true when Biome accepts it. */
function allowed(from: string, to: string): boolean {
  const root = mkdtempSync(join(tmpdir(), 'cosearch-layers-'));
  dirs.push(root);
  copyFileSync('biome.json', join(root, 'biome.json'));
  const spec = `${'../'.repeat(from.split('/').length - 1)}${to}`;
  mkdirSync(dirname(join(root, from)), { recursive: true });
  writeFileSync(join(root, from), `import { x } from '${spec}';\n\nexport const y = x;\n`);
  try {
    execFileSync(BIOME, ['lint', '--only=style/noRestrictedImports', from], { cwd: root, stdio: 'pipe' });
    return true;
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '') + String((e as { stderr?: Buffer }).stderr);
    expect(out).toContain('Layering:');
    return false;
  }
}

it('core/ imports none of lambdas/, infra/, local/, bin/, bench/', () => {
  for (const to of [
    'lambdas/lib/api.js',
    'infra/stack.js',
    'local/runner.js',
    'bin/cli.js',
    'bench/index.js',
  ])
    expect([to, allowed('core/engine/probe.ts', to)]).toEqual([to, false]);
  expect(allowed('core/engine/probe.ts', 'core/store/json.js')).toBe(true);
});

it('lambdas/ imports none of infra/, local/, bin/; infra/ none of local/, bin/', () => {
  for (const to of ['infra/stack.js', 'local/runner.js', 'bin/cli.js'])
    expect([to, allowed('lambdas/lib/probe.ts', to)]).toEqual([to, false]);
  for (const to of ['local/runner.js', 'bin/cli.js'])
    expect([to, allowed('infra/probe.ts', to)]).toEqual([to, false]);
  expect(allowed('lambdas/lib/probe.ts', 'core/store/json.js')).toBe(true);
  expect(allowed('infra/probe.ts', 'lambdas/lib/routes.js')).toBe(true);
  // The outer layers may use the inner ones.
  expect(allowed('local/probe.ts', 'lambdas/lib/api.js')).toBe(true);
  expect(allowed('bin/commands/probe.ts', 'local/runner.js')).toBe(true);
});
