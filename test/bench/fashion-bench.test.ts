// fashion-bench's generator without training: the seeded sample of networks, the resume order, the
// runs-table format and its loading (only complete networks; nearest-network lookups).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mergeFiles,
  mergeRuns,
  parseShard,
  pendingRuns,
  readOrCreate,
  writeTable,
} from '../../bench/fashion-bench/make-table.js';
import { ARCHS, fashionSpace, SEEDS, sampleArchs } from '../../bench/fashion-bench/space.js';
import { AccuracyTable, type RunsTableFile, type TableRun, tableNetworkId } from '../../bench/tabular.js';

const space = fashionSpace();

function fakeRun(a: { id: string; tokens: number[] }, seed: number, acc: number): TableRun {
  return {
    arch: a.id,
    seed,
    tokens: a.tokens,
    testAccuracy: acc,
    valAccuracy: acc,
    int8TestAccuracy: acc,
    testExamples: 10_000,
    valExamples: 6000,
    steps: 156,
    examples: 9984,
    params: 1000,
    macs: 100_000,
    trainSeconds: 1,
    started: '2026-01-01T00:00:00.000Z',
    finished: '2026-01-01T00:00:01.000Z',
    commit: 'abc',
    backend: 'cpu',
    node: 'v22',
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-fashion-bench-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fashion-bench sample', () => {
  it('is a large per-stage space', () => {
    expect(space.log10Size).toBeGreaterThan(7);
    const names = space.decisions.map((d) => d.name);
    for (const n of ['network.stemKernel', 'network.widthMultiplier', 'network.stage2.kernel'])
      expect(names).toContain(n);
    expect(space.spec.space.accelerator.template).toBe('pe-array');
  });

  it('draws distinct canonical networks in a fixed order that a longer plan extends', () => {
    const a = sampleArchs(space, ARCHS);
    expect(new Set(a.map((x) => x.id)).size).toBe(ARCHS);
    for (const x of a) expect(tableNetworkId(space, x.tokens)).toBe(x.id);
    const short = sampleArchs(space, 40);
    expect(short).toEqual(a.slice(0, 40));
    expect(sampleArchs(space, 40)).toEqual(short);
    // Not token order: the first networks already differ in the width multiplier.
    expect(new Set(short.map((x) => x.tokens[3])).size).toBeGreaterThan(1);
  });
});

describe('fashion-bench resume', () => {
  const plan = sampleArchs(space, 3);

  it('skips the (network, seed) keys already done, whatever their order', () => {
    const runs = [fakeRun(plan[1]!, 0, 0.8), fakeRun(plan[0]!, 1, 0.8)];
    const todo = pendingRuns({ runs, seeds: SEEDS }, plan).map((x) => `${x.id}:${x.seed}`);
    expect(todo).toEqual([`${plan[0]!.id}:0`, `${plan[1]!.id}:1`, `${plan[2]!.id}:0`, `${plan[2]!.id}:1`]);
  });

  it('writes a table that reads back, and refuses a table of another space', async () => {
    const out = join(dir, 'table.json');
    const t = readOrCreate(out, 3);
    expect(t.runs).toEqual([]);
    t.runs.push(fakeRun(plan[0]!, 0, 0.7), fakeRun(plan[0]!, 1, 0.9));
    writeTable(out, t, false);
    const back = readOrCreate(out, 3);
    expect(back.runs).toHaveLength(2);
    expect(pendingRuns(back, plan)).toHaveLength(4);
    expect(readOrCreate(out, 10).sampling.archs).toBe(10);
    const table = AccuracyTable.parse(readFileSync(out, 'utf8'), out);
    expect(table.size).toBe(1);
    expect(table.accuracy(plan[0]!.id)).toBeCloseTo(0.8);
    expect(table.accuracy(plan[0]!.id, 1)).toBe(0.9);

    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ ...t, space: { network: { stages: 1 } } }));
    expect(() => readOrCreate(other, 3)).toThrow(/its space is not this generator's/);
  });
});

describe('runs table loading', () => {
  const plan = sampleArchs(space, 4);
  const file = (runs: TableRun[]): RunsTableFile => ({
    ...readOrCreate(join(tmpdir(), 'does-not-exist.json'), 4),
    runs,
  });
  const parse = (f: RunsTableFile) => AccuracyTable.parse(JSON.stringify(f), 'fake.json');

  it('looks up only networks with every seed done', () => {
    const t = parse(file([fakeRun(plan[0]!, 0, 0.6), fakeRun(plan[0]!, 1, 0.8), fakeRun(plan[1]!, 0, 0.9)]));
    expect(t.size).toBe(1);
    expect(t.has(plan[1]!.id)).toBe(false);
    expect(t.file.archs[0]!.network.stages).toHaveLength(3);
  });

  it('names the run that is wrong', () => {
    expect(() => parse(file([fakeRun(plan[0]!, 0, 0.6), fakeRun(plan[0]!, 0, 0.6)]))).toThrow(
      /runs\[1\].*twice/,
    );
    expect(() => parse(file([fakeRun(plan[0]!, 2, 0.6)]))).toThrow(/runs\[0\]: seed 2/);
    expect(() => parse(file([{ ...fakeRun(plan[0]!, 0, 0.6), tokens: plan[1]!.tokens }]))).toThrow(
      /runs\[0\]: tokens are network/,
    );
    expect(() => parse(file([{ ...fakeRun(plan[0]!, 0, 0.6), testAccuracy: 2 }]))).toThrow(
      /runs\.0\.testAccuracy|runs\/0\/testAccuracy|testAccuracy/,
    );
    expect(() => parse(file([]))).toThrow(/no network has all 2 seeds/);
  });

  it('snaps an untabulated network to the nearest tabulated one and keeps a tabulated one', () => {
    const runs = plan
      .slice(0, 3)
      .flatMap((a, k) => [fakeRun(a, 0, 0.5 + k / 10), fakeRun(a, 1, 0.5 + k / 10)]);
    const t = parse(file(runs));
    const acc = space.decisions.findIndex((d) => d.group === 'accelerator');
    const withAcc = [...plan[1]!.tokens];
    withAcc[acc] = 2;
    expect(t.snap(space, withAcc)).toEqual(withAcc);
    // One network decision away from plan[2], farther from the others.
    const near = [...plan[2]!.tokens];
    const k = space.decisions.findIndex((d) => d.name === 'network.widthMultiplier');
    near[k] = (near[k]! + 1) % 4;
    near[acc] = 3;
    const snapped = t.snap(space, near);
    expect(tableNetworkId(space, snapped)).toBe(plan[2]!.id);
    expect(snapped[acc]).toBe(3);
    // An untabulated network (plan[3]) is never returned.
    expect(t.has(tableNetworkId(space, t.snap(space, plan[3]!.tokens)))).toBe(true);
  });
});

describe('the committed table', () => {
  const path = 'bench/fashion-bench/table.json';
  it.runIf(existsSync(path))(
    'follows the plan: runs of the sampled networks, seeds in range, a valid table',
    () => {
      const t = readOrCreate(path, ARCHS);
      const plan = new Map(sampleArchs(space, t.sampling.archs).map((a) => [a.id, a.tokens]));
      for (const r of t.runs) {
        expect(plan.get(r.arch)).toEqual(r.tokens);
        expect(r.seed).toBeLessThan(SEEDS);
        expect(Date.parse(r.finished)).toBeGreaterThanOrEqual(Date.parse(r.started));
      }
      if (t.runs.length >= SEEDS)
        expect(AccuracyTable.parse(readFileSync(path, 'utf8'), path).size).toBeGreaterThan(0);
    },
  );
});

describe('fashion-bench shards', () => {
  const plan = sampleArchs(space, 4);

  it('parses I/N and names a bad shard', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(() => parseShard('3/3')).toThrow(/--shard needs I\/N/);
    expect(() => parseShard('x')).toThrow(/--shard/);
  });

  it('merges the runs of shard copies once, keeping the first of a run done twice', () => {
    const base = readOrCreate(join(tmpdir(), 'does-not-exist.json'), 4);
    const a = { ...base, runs: [fakeRun(plan[0]!, 0, 0.7), fakeRun(plan[2]!, 0, 0.6)] };
    const b = { ...base, runs: [fakeRun(plan[1]!, 0, 0.8), fakeRun(plan[0]!, 0, 0.1)] };
    const t = { ...base, runs: [fakeRun(plan[2]!, 0, 0.6)] };
    expect(mergeRuns(t, [a, b])).toBe(2);
    expect(t.runs.map((r) => [r.arch, r.testAccuracy])).toEqual([
      [plan[2]!.id, 0.6],
      [plan[0]!.id, 0.7],
      [plan[1]!.id, 0.8],
    ]);
  });

  it('merges table files, refusing none, a missing file and a copy of another space', async () => {
    const t = readOrCreate(join(dir, 'none.json'), 4);
    const part = join(dir, 'part.json');
    writeTable(part, { ...t, runs: [fakeRun(plan[0]!, 0, 0.7), fakeRun(plan[0]!, 1, 0.9)] }, false);
    expect(() => mergeFiles(t, [])).toThrow(/--merge needs one or more table files/);
    expect(() => mergeFiles(t, [part, join(dir, 'typo.json')])).toThrow(/no such table file: .*typo\.json/);
    expect(t.runs).toEqual([]);
    expect(mergeFiles(t, [part])).toBe(2);
    const other = join(dir, 'other-space.json');
    await writeFile(other, JSON.stringify({ ...t, space: { network: { stages: 1 } } }));
    expect(() => mergeFiles(t, [other])).toThrow(/its space is not this generator's/);
  });
});
