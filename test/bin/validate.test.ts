// `cosearch validate` in child processes: the bad-input table runs through the CLI's real `main`
// in one child, and a few cases also run as whole processes to check the exit code end to end.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SPECS, type BadSpec } from '../core/spec/bad-specs.js';
import { cosearch, mainInOneProcess, type Run } from '../helpers/cli.js';

let dir: string;
const files = new Map<string, string>();
let tableRuns: Run[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-validate-'));
  for (const b of BAD_SPECS) files.set(b.name, await specFile(b.name, b.text));
  tableRuns = await mainInOneProcess(BAD_SPECS.map((b) => ['validate', files.get(b.name)!]));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function specFile(name: string, text: string): Promise<string> {
  const path = join(dir, `${name.replace(/[^\w]+/g, '-')}.json`);
  await writeFile(path, text);
  return path;
}

function expectNamedPath(r: Run, file: string, bad: BadSpec): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`${file} is not a valid spec:`);
  const issueLines = r.stderr.split('\n').filter((l) => l.startsWith('  $'));
  expect(issueLines).toHaveLength(1);
  expect(issueLines[0]!.startsWith(`  ${bad.path}: `)).toBe(true);
  expect(issueLines[0]).toMatch(bad.message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // a clear message, not a stack trace
}

describe('cosearch validate: every bad spec gives exit code 2 and names the JSON path', () => {
  it.each(BAD_SPECS.map((b, i) => [`${b.category}: ${b.name}`, i] as const))('%s', (_, i) => {
    const bad = BAD_SPECS[i]!;
    expectNamedPath(tableRuns[i]!, files.get(bad.name)!, bad);
  });

  const spawned = BAD_SPECS.filter((b) => b.cli);
  it('as whole processes too, for a few categories', async () => {
    expect(spawned.length).toBeGreaterThanOrEqual(3);
    const runs = await Promise.all(spawned.map((b) => cosearch(['validate', files.get(b.name)!])));
    for (const [i, r] of runs.entries()) expectNamedPath(r, files.get(spawned[i]!.name)!, spawned[i]!);
  });
});

describe('cosearch validate: other cases', () => {
  it('{} is valid and summarised; --json gives the summary; no file means the example', async () => {
    const file = await specFile('empty', '{}');
    const [plain, json, builtin] = await mainInOneProcess([
      ['validate', file],
      ['validate', file, '--json'],
      ['validate', '--json'],
    ]);
    expect(plain!.code).toBe(0);
    expect(plain!.stdout).toMatch(/: valid \(spec hash [0-9a-f]{16}, 25 decisions/);
    expect(json!.code).toBe(0);
    const summary = JSON.parse(json!.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ valid: true, decisions: 25, maxCandidates: 36 });
    expect(builtin!.code).toBe(0);
    expect(JSON.parse(builtin!.stdout)).toEqual(summary);
  });

  it('a valid spec exits 0 as a whole process; a missing file or an unknown flag exits 2', async () => {
    const file = await specFile('valid', '{"strategy": {"name": "random", "batchSize": 4}}');
    const [valid, missing, flag] = await Promise.all([
      cosearch(['validate', file]),
      cosearch(['validate', join(dir, 'nope.json')]),
      cosearch(['validate', '--bogus']),
    ]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain(`${file}: valid`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read spec .*nope\.json: ENOENT/);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--bogus/);
  });

  it('--json prints the problems as JSON on stdout, with the closest field and the allowed values', async () => {
    const bad = await specFile(
      'typos',
      '{"strategy": {"nmae": "random", "name": "reinforc"}, "trainng": {}, "dataset": {"format": "parquet"}}',
    );
    const missing = join(dir, 'absent.json');
    const [json, text, gone] = await mainInOneProcess([
      ['validate', bad, '--json'],
      ['validate', bad],
      ['validate', missing, '--json'],
    ]);
    expect(json!.code).toBe(2);
    expect(json!.stderr).toBe('');
    const out = JSON.parse(json!.stdout) as {
      valid: boolean;
      file: string;
      problems: { path: string; message: string }[];
    };
    expect(out.valid).toBe(false);
    expect(out.file).toBe(bad);
    const byPath = Object.fromEntries(out.problems.map((p) => [p.path, p.message]));
    expect(byPath['$.strategy.nmae']).toBe('unknown field "nmae" (did you mean "name"?)');
    expect(byPath['$.trainng']).toBe('unknown field "trainng" (did you mean "training"?)');
    expect(byPath['$.strategy.name']).toMatch(
      /^must be one of "reinforce", .*"random".*, got "reinforc" \(did you mean "reinforce"\?\)$/,
    );
    expect(byPath['$.dataset.format']).toBe(
      'must be one of "builtin", "csv", "idx", "cifar10", got "parquet"',
    );
    // The text form says the same on stderr.
    expect(text!.code).toBe(2);
    expect(text!.stderr).toContain('  $.trainng: unknown field "trainng" (did you mean "training"?)');
    expect(gone!.code).toBe(2);
    expect(JSON.parse(gone!.stdout)).toMatchObject({
      valid: false,
      problems: [{ path: '$', message: expect.stringMatching(/ENOENT/) }],
    });
  });

  it('accepts "$schema" (for editors) and ignores it: the same spec hash as without', async () => {
    const plain = await specFile('plain', '{"strategy": {"name": "random", "batchSize": 4}}');
    const withSchema = await specFile(
      'with-schema',
      '{"$schema": "../docs/spec.schema.json", "strategy": {"name": "random", "batchSize": 4}}',
    );
    const [a, b] = await mainInOneProcess([
      ['validate', plain, '--json'],
      ['validate', withSchema, '--json'],
    ]);
    expect(b!.code).toBe(0);
    expect(JSON.parse(b!.stdout).specHash).toBe(JSON.parse(a!.stdout).specHash);
  });
});
