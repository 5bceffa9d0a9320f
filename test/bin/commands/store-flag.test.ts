// --store and --save paths that cannot be used exit 2 naming the path, before anything runs.
// `--store /proc/x` used to hang `run` (Node's recursive mkdir spins where a parent refuses
// children) and made `ls` answer "no searches"; `train --save /proc/x` hung after training.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../bin/cli.js';
import { usableDir } from '../../../bin/commands/store-flag.js';
import { mainInOneProcess, type Run } from '../../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-store-flag-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function refusal(p: Promise<void>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UsageError);
  return (e as Error).message;
}

// procfs answers ENOENT to mkdir under an existing /proc: the case that hung.
const hasProc = existsSync('/proc/self');

describe('usableDir', () => {
  it.runIf(hasProc)('refuses /proc/x for reading and for writing, naming it, without hanging', async () => {
    expect(await refusal(usableDir('store', '/proc/x', '/proc/x', 'read'))).toBe(
      '--store /proc/x: no such directory /proc/x',
    );
    expect(await refusal(usableDir('save', '/proc/x/m', '/proc/x/m', 'write'))).toMatch(
      /^--save \/proc\/x\/m: cannot create the directory \/proc\/x: ENOENT \(\/proc exists but does not accept new directories\)$/,
    );
    // An existing directory where files cannot be created.
    expect(await refusal(usableDir('store', '/proc', '/proc', 'write'))).toMatch(
      /^--store \/proc: cannot write in \/proc: E[A-Z]+$/,
    );
  });

  it('refuses a file, or a symbolic link to nothing, in the path', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    expect(await refusal(usableDir('store', file, file, 'read'))).toBe(
      `--store ${file}: ${file} is not a directory`,
    );
    expect(await refusal(usableDir('store', `${file}/sub`, `${file}/sub`, 'write'))).toBe(
      `--store ${file}/sub: ${file} is not a directory`,
    );
    const dangling = join(dir, 'dangling');
    await symlink(join(dir, 'nothing-here'), dangling);
    // Node's recursive mkdir spins forever on this one too.
    expect(await refusal(usableDir('store', `${dangling}/runs`, `${dangling}/runs`, 'write'))).toBe(
      `--store ${dangling}/runs: ${dangling} is a symbolic link to nothing`,
    );
  });

  it('creates a missing directory for writing, leaves no probe file, and reads only what exists', async () => {
    const deep = join(dir, 'new', 'runs');
    expect(await refusal(usableDir('store', deep, deep, 'read'))).toMatch(/no such directory/);
    await usableDir('store', deep, deep, 'read', true);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    await usableDir('store', deep, deep, 'write');
    expect((await stat(deep)).isDirectory()).toBe(true);
    expect(await readdir(deep)).toEqual([]);
    await usableDir('store', deep, deep, 'read');
    await mkdir(join(deep, 'searches'));
    await usableDir('store', deep, deep, 'write');
    expect(await readdir(deep)).toEqual(['searches']);
  });
});

describe.runIf(hasProc)('the CLI with --store /proc/x or --save /proc/x', () => {
  let runs: Run[];
  beforeAll(async () => {
    runs = await mainInOneProcess([
      ['ls', '--store', '/proc/x'],
      ['run', '--store', '/proc/x'],
      ['status', 's20250101120000-1a2b3c4d', '--store', '/proc/x'],
      ['train', '--steps', '1', '--save', '/proc/x'],
      ['serve', '--store', '/proc/x', '--port', '1'],
    ]);
  }, 120_000);

  it('exits 2 naming the path, with no stack and nothing trained', () => {
    const [ls, run, status, train, serve] = runs;
    expect([ls!.code, ls!.stdout, ls!.stderr]).toEqual([
      2,
      '',
      'cosearch ls: --store /proc/x: no such directory /proc/x\n',
    ]);
    expect(status!.stderr).toBe('cosearch status: --store /proc/x: no such directory /proc/x\n');
    for (const [name, r] of [
      ['run', run],
      ['train', train],
      ['serve', serve],
    ] as const) {
      expect([name, r!.code]).toEqual([name, 2]);
      expect(r!.stderr).toMatch(
        new RegExp(`^cosearch ${name}: --(store|save) /proc/x: cannot create the directory /proc/x: ENOENT`),
      );
    }
    expect(train!.stderr).not.toMatch(/step \d/);
  });
});
