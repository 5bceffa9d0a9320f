// ls, status, results [--csv] and the progress printer, through the real CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLine, progressPrinter } from '../../bin/progress.js';
import { createSearch } from '../../core/engine/create.js';
import { FileStore } from '../../core/store/file-store.js';
import { runSession } from '../../local/session.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const run = promisify(execFile);
let dir: string;
const cli = async (...args: string[]) => {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'bin/cosearch.ts', ...args]);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-inspect-'));
  const store = new FileStore(dir);
  await createSearch(
    store,
    tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 2 } }),
    'inspect-me',
  );
  await runSession(store, 'inspect-me', { workers: 0 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inspecting a store', () => {
  it('ls, status and results --csv describe the finished search', async () => {
    const ls = await cli('ls', '--store', `file://${dir}`, '--json');
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.out).searches.map((s: { searchId: string }) => s.searchId)).toEqual(['inspect-me']);
    const status = await cli('status', 'inspect-me', '--store', `file://${dir}`, '--json');
    expect(JSON.parse(status.out)).toMatchObject({ status: 'succeeded', candidatesEvaluated: 2 });
    const csv = await cli('results', 'inspect-me', '--store', `file://${dir}`, '--csv');
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe(
      'cid,iteration,status,reward,accuracy,latencyMs,energyMJ,areaMM2,params,macs,cached',
    );
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines.slice(1)) expect(l).toMatch(/^[0-9a-f]{16},1,ok,/);
  });

  it('ls skips a search whose state.json is corrupt, with a warning naming it, and lists the rest', async () => {
    const d = await mkdtemp(join(tmpdir(), 'cosearch-inspect-bad-'));
    try {
      const store = new FileStore(d);
      const spec = tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 3 } });
      await createSearch(store, spec, 'good-one');
      await createSearch(store, spec, 'bad-one');
      await store.put('searches/bad-one/state.json', '{"searchId": "bad-o');
      const ls = await cli('ls', '--store', `file://${d}`, '--json');
      expect(ls.code).toBe(0);
      expect(JSON.parse(ls.out).searches.map((s: { searchId: string }) => s.searchId)).toEqual(['good-one']);
      expect(ls.err).toMatch(
        /warning: skipping search bad-one: corrupt object: searches\/bad-one\/state\.json/,
      );
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('exits 2 with a clear message for an unknown search or a bad id', async () => {
    const unknown = await cli('status', 'no-such-search', '--store', `file://${dir}`);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no search no-such-search/);
    const bad = await cli('results', '../x', '--store', `file://${dir}`);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/invalid search id/);
  });
});

describe('progress', () => {
  const p = {
    iteration: 2,
    iterations: 5,
    childrenDone: 8,
    trained: 7,
    failed: 1,
    infeasible: 0,
    cached: 0,
    bestReward: 0.91234,
    paretoSize: 3,
    elapsedSeconds: 75,
    etaSeconds: 112,
  };
  it('says iteration, children, best reward, Pareto size and ETA', () => {
    expect(progressLine(p)).toBe(
      'iter 2/5 | children 8 (trained 7, infeasible 0, failed 1, cached 0) | best reward 0.9123 | Pareto 3 | 1m15s elapsed, ETA 1m52s',
    );
  });
  it('says the supernet step, reward and validation accuracy while an AutoHAS supernet trains', () => {
    const supernet = {
      step: 200,
      steps: 600,
      trainExamples: 12_800,
      evalExamples: 25_600,
      lastReward: 0.31,
      valAccuracy: 0.2734,
      done: false,
    };
    expect(progressLine({ ...p, iteration: 0, supernet })).toBe(
      'supernet step 200/600 | controller reward 0.3100 | supernet val acc 0.273 | 38400 example passes | 1m15s elapsed',
    );
  });
  it('prints plain lines per iteration, not per child, when stdout is not a TTY', () => {
    const out: string[] = [];
    const print = progressPrinter({ isTTY: false, write: (s: string) => out.push(s) } as never);
    print(p, 'child');
    print(p, 'iteration');
    print(p, 'done');
    expect(out).toEqual([`${progressLine(p)}\n`]);
  });
});
