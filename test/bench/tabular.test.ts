import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AccuracyTable,
  enumerateNetworks,
  TABLE_SPACE,
  TABLE_TRAINING,
  type TableFile,
  tableNetworkId,
} from '../../bench/tabular.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { SearchSpec } from '../../core/spec/schema.js';
import { quantile } from '../../core/stats.js';

const PATH = 'bench/digits-bench/table.json';
const text = readFileSync(PATH, 'utf8');
const table = AccuracyTable.parse(text, PATH);
const space = new SearchSpace(SearchSpec.parse({ space: TABLE_SPACE }));

describe('digits-bench table (committed)', () => {
  it('covers exactly the canonical networks of the table space', () => {
    const all = enumerateNetworks(space);
    // 7 block/expansion variants (conv has no expansion) × kernel 2 × filters 3 × layers 2 × SE 2 × stride 2.
    expect(all.length).toBe(336);
    expect(table.size).toBe(all.length);
    for (const a of all) expect(table.has(a.id)).toBe(true);
  });

  it('has at least 3 seeds per network, consistent means and the fixed proxy budget', () => {
    expect(table.file.seeds).toBeGreaterThanOrEqual(3);
    for (const a of table.file.archs) {
      expect(a.testAccuracy.length).toBeGreaterThanOrEqual(3);
      const mean = a.testAccuracy.reduce((x, y) => x + y, 0) / a.testAccuracy.length;
      expect(a.meanTestAccuracy).toBeCloseTo(mean, 12);
      expect(a.cost.steps).toBe(TABLE_TRAINING.steps);
      expect(a.cost.trainSeconds.length).toBe(a.testAccuracy.length);
    }
    expect(table.file.training).toEqual(JSON.parse(JSON.stringify(TABLE_TRAINING)));
  });

  it('spreads at least 5 accuracy points between the 10th and 90th percentile', () => {
    const means = table.file.archs.map((a) => a.meanTestAccuracy);
    expect(quantile(means, 0.9) - quantile(means, 0.1)).toBeGreaterThanOrEqual(0.05);
  });
});

describe('AccuracyTable lookup', () => {
  const first = table.file.archs[0]!;

  it('looks up by canonical network id; the accelerator does not change the key', () => {
    const tokens = [...first.tokens];
    const accel = space.decisions.findIndex((d) => d.group === 'accelerator');
    tokens[accel] = space.decisions[accel]!.choices.length - 1;
    expect(tableNetworkId(space, tokens)).toBe(first.id);
    expect(table.accuracy(first.id)).toBe(first.meanTestAccuracy);
    expect(table.accuracy(first.id, 1)).toBe(first.testAccuracy[1]);
    expect(table.accuracy(first.id, table.file.seeds + 1)).toBe(first.testAccuracy[1]);
  });

  it('throws on unknown ids', () => {
    expect(() => table.get('no-such-id')).toThrow(/unknown architecture id no-such-id/);
    expect(() => table.accuracy('no-such-id')).toThrow(/unknown architecture id/);
  });
});

describe('AccuracyTable.parse bad input', () => {
  const raw = JSON.parse(text) as TableFile;
  const small = { ...raw, archs: raw.archs.slice(0, 3) };

  it('names the file on non-JSON', () => {
    expect(() => AccuracyTable.parse('{', 'x.json')).toThrow(/x\.json: not JSON/);
  });

  it('names the field on a schema error', () => {
    const bad = { ...small, archs: [{ ...small.archs[0]!, testAccuracy: [1.5, 0.2, 0.3] }] };
    expect(() => AccuracyTable.parse(JSON.stringify(bad), 'x.json')).toThrow(
      /x\.json: .*archs.*0.*testAccuracy/,
    );
    expect(() => AccuracyTable.parse(JSON.stringify({ ...small, version: 2 }), 'x.json')).toThrow(/version/);
  });

  it('rejects duplicate ids and a seed count that disagrees with the table', () => {
    const dup = { ...small, archs: [small.archs[0]!, small.archs[0]!] };
    expect(() => AccuracyTable.parse(JSON.stringify(dup), 'x.json')).toThrow(/duplicate id/);
    const short = { ...small, archs: [{ ...small.archs[0]!, testAccuracy: [0.5, 0.6] }] };
    expect(() => AccuracyTable.parse(JSON.stringify(short), 'x.json')).toThrow(/2 accuracies, table says 3/);
  });
});
