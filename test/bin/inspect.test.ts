// ls, status, results and train --from, through the real CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { FileStore } from '../../core/store/file-store.js';
import { runSession } from '../../local/session.js';
import { mainInOneProcess } from '../helpers/cli.js';
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
  const tiny = tinySpec();
  await createSearch(
    store,
    tinySpec({
      strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 2 },
      // 4-bit weights: train --from must score the quantized copy at the candidate's width.
      space: { ...tiny.space, accelerator: { ...tiny.space.accelerator, weightBits: [4] } },
    }),
    'inspect-me',
  );
  await runSession(store, 'inspect-me', { workers: 0 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inspecting a store', () => {
  it('ls, status and results describe the finished search, for people and as JSON or CSV', async () => {
    const store = ['--store', `file://${dir}`];
    const [lsJson, lsText, statusJson, statusText, table, json, csvFront, csvAll] = await mainInOneProcess([
      ['ls', ...store, '--json'],
      ['ls', ...store],
      ['status', 'inspect-me', ...store, '--json'],
      ['status', 'inspect-me', ...store],
      ['results', 'inspect-me', ...store],
      ['results', 'inspect-me', ...store, '--json'],
      ['results', 'inspect-me', ...store, '--csv'],
      ['results', 'inspect-me', ...store, '--csv', '--all'],
    ]);
    expect(JSON.parse(lsJson!.stdout).searches.map((s: { searchId: string }) => s.searchId)).toEqual([
      'inspect-me',
    ]);
    // ls: a header, then one row per search.
    const lsLines = lsText!.stdout.trim().split('\n');
    expect(lsLines[0]).toMatch(/^SEARCH\s+STATUS\s+ITER\s+EVALUATED\s+BEST REWARD\s+STARTED$/);
    expect(lsLines[1]).toMatch(/^inspect-me\s+succeeded\s+1\/1\s+2\s+/);
    expect(JSON.parse(statusJson!.stdout)).toMatchObject({
      status: 'succeeded',
      candidatesEvaluated: 2,
      report: join(dir, 'searches/inspect-me/report.html'),
    });
    // status: rounded numbers (no 17-digit floats) and the report's path.
    expect(statusText!.stdout).toMatch(/^best reward\s+\d\.\d{1,4}$/m);
    expect(statusText!.stdout).toMatch(/^training time\s+[\d.]+ s$/m);
    expect(statusText!.stdout).toContain(`report         ${join(dir, 'searches/inspect-me/report.html')}`);
    expect(statusText!.stdout).not.toMatch(/\d\.\d{6,}/);
    const results = JSON.parse(json!.stdout) as { paretoFront: { cid: string }[]; status: string };
    expect(results.status).toBe('succeeded');
    // The default is a short table of the front, one line per member.
    const rows = table!.stdout.split('\n');
    expect(rows[0]).toMatch(/^CANDIDATE\s+ITER\s+STATUS\s+REWARD\s+ACC %\s+LATENCY ms/);
    for (const e of results.paretoFront) expect(table!.stdout).toMatch(new RegExp(`^${e.cid}`, 'm'));
    expect(table!.stdout).not.toContain('{');
    // CSV: the outcome, the metrics and one column per decision; --all has every evaluation.
    const header = csvFront!.stdout.split('\n')[0]!.split(',');
    expect(header.slice(0, 9)).toEqual([
      'number',
      'cid',
      'iteration',
      'status',
      'reward',
      'onFront',
      'cached',
      'accuracy',
      'valAccuracy',
    ]);
    for (const col of [
      'network.stage1.kernel',
      'network.stage1.block',
      'accelerator.rows',
      'hyperparameters.learningRate',
    ])
      expect(header).toContain(col);
    expect(csvFront!.stdout.trim().split('\n')).toHaveLength(1 + results.paretoFront.length);
    const all = csvAll!.stdout.trim().split('\n');
    expect(all).toHaveLength(1 + 2);
    const kernel = header.indexOf('network.stage1.kernel');
    for (const l of all.slice(1)) {
      const cells = l.split(',');
      expect(cells[3]).toMatch(/^(ok|infeasible|failed|cutShort)$/);
      expect(['3', '5', '7']).toContain(cells[kernel]);
    }
  });

  it('train --from SEARCH_ID/CID retrains a stored candidate exactly as the search did', async () => {
    const results = JSON.parse(
      (await mainInOneProcess([['results', 'inspect-me', '--store', `file://${dir}`, '--json']]))[0]!.stdout,
    ) as {
      paretoFront: {
        cid: string;
        iteration: number;
        candidate: { accelerator: { weightBits?: number } };
        metrics: { fp32Accuracy: number; fp32ValAccuracy: number; accuracy: number; weightBits?: number };
      }[];
    };
    const e = results.paretoFront[0]!;
    const store = ['--store', `file://${dir}`];
    const [again, prefix, clash, none] = await mainInOneProcess([
      ['train', '--from', `inspect-me/${e.cid}`, ...store, '--json'],
      ['train', '--from', `inspect-me/${e.cid.slice(0, 6)}`, ...store],
      ['train', '--from', `inspect-me/${e.cid}`, ...store, '--lr', '0.5'],
      ['train', '--from', 'inspect-me/ffffffffffffffff', ...store],
    ]);
    expect(again!.code).toBe(0);
    const r = JSON.parse(again!.stdout) as {
      testAccuracy: number;
      valAccuracy: number;
      quantized: { weightBits: number; testAccuracy: number };
      from: { cid: string; sameAccuracy: boolean };
    };
    // The trainer's own accuracies are the fp32 model's (the front ranks the quantized one).
    expect(r.testAccuracy).toBe(e.metrics.fp32Accuracy);
    expect(r.valAccuracy).toBe(e.metrics.fp32ValAccuracy);
    // The quantized copy at the candidate's 4-bit weights, as the search scored it.
    expect(e.candidate.accelerator.weightBits).toBe(4);
    expect(r.quantized.weightBits).toBe(4);
    expect(r.quantized.testAccuracy).toBe(e.metrics.accuracy);
    expect(r.from).toMatchObject({ cid: e.cid, sameAccuracy: true });
    // A unique prefix of the id is enough, and the text says whether it matched the search.
    expect(prefix!.code).toBe(0);
    expect(prefix!.stderr).toContain(`retraining ${e.cid} of inspect-me`);
    expect(prefix!.stdout).toMatch(/\nquantized \(4-bit weights, 8-bit activations\): test accuracy [\d.]+%/);
    expect(prefix!.stdout).toMatch(
      /the search recorded test accuracy [\d.]+%, validation [\d.]+%; quantized [\d.]+%, [\d.]+%: the same/,
    );
    expect(clash!.code).toBe(2);
    expect(clash!.stderr).toMatch(/--lr cannot be combined with --from/);
    expect(none!.code).toBe(2);
    expect(none!.stderr).toMatch(/search inspect-me has no candidate ffffffffffffffff/);
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
