// The NAHAS study on a tiny made-up runs table (a sampled space, so lookups snap): the arms search
// what they should, and the output has the figures, differences and document it promises.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBench } from '../../bench/search.js';
import { ARMS, baselineTokens, run, runArm } from '../../bench/study.js';
import {
  enumerateNetworks,
  networkDecisions,
  type RunsTableFile,
  tableNetworkId,
} from '../../bench/tabular.js';
import { Rng } from '../../core/rng.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { SearchSpec } from '../../core/spec/schema.js';

const SPACE = {
  network: {
    stages: 2,
    stemFilters: [8],
    widthMultiplier: [0.5, 1],
    blockType: ['conv', 'mbconv'],
    kernel: [3],
    expansion: [3],
    filters: [8, 16],
    layers: [1],
    squeezeExcite: [false],
    stride: [2],
    perStage: [{}, { kernel: [3, 5] }],
  },
  accelerator: { template: 'pe-array', pesX: [1, 2, 4], pesY: [1, 2, 4], simdUnits: [16, 64] },
  hyperparameters: { learningRate: [0.01], weightDecay: [0], optimizer: ['adam'], batchSize: [16] },
};

/** Half of SPACE's networks, two seeds each, with seeded made-up accuracies growing with MAC count. */
function fakeRunsTable(): RunsTableFile {
  const space = new SearchSpace(SearchSpec.parse({ space: SPACE }));
  const rng = Rng.fromSeed('fake-runs');
  const nets = enumerateNetworks(space).filter((_, i) => i % 2 === 0);
  const runs = nets.flatMap((a) => {
    const n = space.decode(a.tokens).network;
    const size = n.stages.reduce((s, st) => s + st.filters * (st.block === 'mbconv' ? 2 : 1), 0);
    return [0, 1].map((seed) => {
      const acc = Math.min(0.95, 0.4 + size / 150 + 0.05 * rng.next());
      return {
        arch: a.id,
        seed,
        tokens: a.tokens,
        testAccuracy: acc,
        valAccuracy: acc,
        int8TestAccuracy: acc,
        testExamples: 100,
        valExamples: 10,
        steps: 1,
        examples: 16,
        params: 1,
        macs: 1,
        trainSeconds: 0,
        started: '2026-01-01T00:00:00.000Z',
        finished: '2026-01-01T00:00:00.000Z',
        commit: 'test',
        backend: 'none',
        node: 'v22',
      };
    });
  });
  return {
    version: 2,
    name: 'tiny-bench',
    space: SPACE,
    training: { dataset: { uri: 'builtin:fashion-mnist', format: 'builtin' }, epochs: 1 },
    seeds: 2,
    sampling: { archs: nets.length, seed: 'test', note: 'every other network' },
    runs,
  };
}

let dir: string;
let table: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-study-'));
  table = join(dir, 'table.json');
  await writeFile(table, JSON.stringify(fakeRunsTable()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('study arms', () => {
  it('fix what each arm does not search, and two-phase switches once', async () => {
    const b = await setupBench({ accuracy: 'table', table, batch: 4 });
    const base = baselineTokens(b);
    expect(b.table!.has(tableNetworkId(b.space, base))).toBe(true);
    const net = networkDecisions(b.space);
    const acc = b.space.decisions.flatMap((d, i) => (d.group === 'accelerator' ? [i] : []));
    const same = (a: number[], c: number[], idx: number[]) => idx.every((i) => a[i] === c[i]);
    const opt = { budget: 40, batch: 4, strategy: { name: 'random' as const }, split: 0.5, targets: [1e9] };
    const seen: Record<string, number[][]> = {};
    for (const arm of ARMS) {
      seen[arm] = [];
      const r = runArm(b, arm, 3, { ...opt, trace: (t) => seen[arm]!.push(t) });
      expect(r.curve.hv).toHaveLength(40);
      expect(r.accAt[0]).toHaveLength(40);
      for (let i = 1; i < 40; i++) expect(r.curve.hv[i]).toBeGreaterThanOrEqual(r.curve.hv[i - 1]!);
    }
    expect(seen['network-only']!.every((t) => same(t, base, acc))).toBe(true);
    expect(seen['network-only']!.some((t) => !same(t, base, net))).toBe(true);
    expect(seen['accelerator-only']!.every((t) => same(t, base, net))).toBe(true);
    expect(seen['accelerator-only']!.some((t) => !same(t, base, acc))).toBe(true);
    expect(seen.joint!.some((t) => !same(t, base, acc)) && seen.joint!.some((t) => !same(t, base, net))).toBe(
      true,
    );
    const [p1, p2] = [seen['two-phase']!.slice(0, 20), seen['two-phase']!.slice(20)];
    expect(p1.every((t) => same(t, base, acc))).toBe(true);
    expect(p2.every((t) => same(t, p2[0]!, net))).toBe(true);
    expect(p2.some((t) => !same(t, base, acc))).toBe(true);
    // The phase-2 network is one phase 1 tried.
    expect(p1.some((t) => same(t, p2[0]!, net))).toBe(true);
  });
});

describe('study command', () => {
  it('reports medians, CIs, joint-minus differences and writes its document and plots', async () => {
    const doc = join(dir, 'study.md');
    const args = [
      '--table',
      table,
      '--seeds',
      '3',
      '--budget',
      '100',
      '--batch',
      '5',
      '--strategy',
      'random',
    ];
    const out = (await run([...args, '--doc', doc])) as {
      setup: { table: string };
      study: Record<string, { hv100: { median: number; ci95: [number, number] }; accAtLatency: object }>;
      differences: Record<string, { hv100: { median: number; ci95: [number, number] } }>;
      plots: string[];
    };
    expect(Object.keys(out.study)).toEqual([...ARMS]);
    for (const arm of ARMS) {
      const s = out.study[arm]!.hv100;
      expect(s.median).toBeGreaterThanOrEqual(0);
      expect(s.median).toBeLessThanOrEqual(1);
      expect(s.ci95[0]).toBeLessThanOrEqual(s.median);
      expect(s.ci95[1]).toBeGreaterThanOrEqual(s.median);
      expect(Object.keys(out.study[arm]!.accAtLatency)).toHaveLength(3);
    }
    expect(out.study.joint!.hv100.median).toBeGreaterThan(0);
    expect(Object.keys(out.differences)).toEqual([
      'joint-minus-network-only',
      'joint-minus-accelerator-only',
      'joint-minus-two-phase',
    ]);
    const d = out.differences['joint-minus-accelerator-only']!.hv100;
    expect(d.median).toBeCloseTo(
      out.study.joint!.hv100.median - out.study['accelerator-only']!.hv100.median,
      4,
    );
    expect(out.setup.table).toMatch(/tiny-bench.*32 networks with all 2 seeds/);
    const text = readFileSync(doc, 'utf8');
    expect(text).toContain('32 networks with all 2 seeds');
    expect(text).toContain('joint-minus-two-phase');
    for (const p of out.plots) expect(readFileSync(p, 'utf8')).toMatch(/^<svg/);
    expect(existsSync(join(dir, 'study-hv.svg'))).toBe(true);
    // Seeded end to end: a second run gives the same figures.
    const again = (await run([...args, '--doc', join(dir, 'again.md')])) as typeof out;
    expect(again.study).toEqual(out.study);
  }, 120_000);
});
