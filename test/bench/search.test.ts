// The search benchmark reads its task from the table, so a table other than digits-bench (another
// dataset, a per-stage space, its own accelerator space) runs without code changes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStrategy, setupBench } from '../../bench/search.js';
import { enumerateNetworks, type TableFile, tableTask } from '../../bench/tabular.js';
import { Rng } from '../../core/rng.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { SearchSpec } from '../../core/spec/schema.js';

const SPACE = {
  network: {
    stages: 2,
    stemFilters: [8],
    blockType: ['conv', 'mbconv'],
    kernel: [3],
    expansion: [1, 3],
    filters: [8, 16],
    layers: [1],
    squeezeExcite: [false],
    stride: [2],
  },
  accelerator: { template: 'systolic', rows: [8, 16], cols: [8, 16], dataflow: ['os', 'ws'] },
  hyperparameters: { learningRate: [0.01], weightDecay: [0], optimizer: ['adam'], batchSize: [16] },
};

/** A made-up table over SPACE on Fashion-MNIST's input; accuracies are seeded, not trained. */
function fakeTable(): TableFile {
  const space = new SearchSpace(SearchSpec.parse({ space: SPACE }));
  const rng = Rng.fromSeed('fake-table');
  const archs = enumerateNetworks(space).map((a) => {
    const acc = [0.5 + 0.4 * rng.next(), 0.5 + 0.4 * rng.next()];
    return {
      id: a.id,
      tokens: a.tokens,
      network: space.decode(a.tokens).network,
      testAccuracy: acc,
      meanTestAccuracy: (acc[0]! + acc[1]!) / 2,
      cost: { steps: 10, examples: 160, trainSeconds: [0, 0] },
      params: 1,
      macs: 1,
    };
  });
  return {
    version: 1,
    name: 'fake-bench',
    space: SPACE,
    training: { dataset: { uri: 'builtin:fashion-mnist', format: 'builtin' }, steps: 10 },
    seeds: 2,
    generation: { seconds: 0, workers: 1 },
    spread: { p10: 0.5, p50: 0.7, p90: 0.9 },
    archs,
  };
}

let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-bench-search-'));
  path = join(dir, 'table.json');
  await writeFile(path, JSON.stringify(fakeTable()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('search bench on another table', () => {
  it('takes the space and the input shape from the table', async () => {
    const b = await setupBench({ accuracy: 'table', table: path, batch: 4 });
    const names = b.space.decisions.map((d) => d.name);
    expect(names).toContain('network.stage1.block');
    expect(b.space.decisions.find((d) => d.name === 'accelerator.dataflow')?.choices).toEqual(['os', 'ws']);
    expect(b.table?.file.name).toBe('fake-bench');
    for (const name of ['random', 'tpe', 'mobo'] as const) {
      const c = runStrategy(b, { name }, 1, { budget: 24, batch: 4, rngLabel: `t:${name}` });
      expect(c.hv).toHaveLength(24);
      expect(c.hv[23]).toBeGreaterThan(0);
      for (let i = 1; i < 24; i++) expect(c.hv[i]).toBeGreaterThanOrEqual(c.hv[i - 1]!);
    }
    // A candidate's accuracy is the table's mean for its network, whatever the accelerator.
    const t = fakeTable().archs[3]!;
    const e = b.evaluate(t.tokens);
    if (e.accuracy !== null) expect(e.accuracy).toBe(t.meanTestAccuracy);
  }, 120_000);

  it('tableTask reads builtin datasets and refuses a dataset it cannot size', () => {
    const f = fakeTable();
    expect(tableTask(f).inputShape).toEqual([28, 28, 1]);
    const csv = { ...f, training: { dataset: { uri: 'file://x.csv', shape: [4, 4, 1], numClasses: 3 } } };
    expect(tableTask(csv)).toMatchObject({ inputShape: [4, 4, 1], numClasses: 3 });
    expect(() => tableTask({ ...f, training: { dataset: { uri: 'file://x.csv' } } })).toThrow(
      /fake-bench: training.dataset must be a builtin dataset or give shape/,
    );
  });
});
