// A tiny spec and a few hundred digits for the AutoHAS tests.
import type { LoadedDataset, Split } from '../../../core/data/dataset.js';
import { loadDataset } from '../../../core/data/load.js';
import { DatasetSpec, type SearchSpec, SearchSpec as SearchSpecSchema } from '../../../core/spec/schema.js';

export function tinySpec(over: Partial<Record<'seed', number>> = {}): SearchSpec {
  return SearchSpecSchema.parse({
    space: {
      network: {
        stages: 2,
        stemFilters: [4, 8],
        blockType: ['mbconv', 'fused-mbconv', 'conv'],
        kernel: [3, 5],
        expansion: [1, 3],
        filters: [8, 12],
        layers: [1, 2],
        squeezeExcite: [false, true],
        stride: [1, 2],
      },
      accelerator: { template: 'systolic', rows: [8, 16], cols: [8, 16] },
      hyperparameters: { learningRate: { min: 0.001, max: 0.03, bases: 3 }, weightDecay: [0, 1e-4] },
    },
    strategy: { name: 'autohas', seed: over.seed ?? 0, learningRate: 0.1 },
  });
}

const slice = (s: Split, n: number, px: number): Split => ({
  ...s,
  x: s.x.slice(0, n * px),
  y: s.y.slice(0, n),
  n,
});

let cached: LoadedDataset | undefined;
/** The first 300 train / 100 val / 100 test digits. */
export async function tinyDigits(): Promise<LoadedDataset> {
  if (cached) return cached;
  const d = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
  const px = d.shape[0] * d.shape[1] * d.shape[2];
  cached = { ...d, train: slice(d.train, 300, px), val: slice(d.val, 100, px), test: slice(d.test, 100, px) };
  return cached;
}

/** One small stage: fast enough for multi-run resume tests. */
export function microSpec(seed = 0): SearchSpec {
  return SearchSpecSchema.parse({
    space: {
      network: {
        stages: 1,
        stemFilters: [4],
        blockType: ['mbconv', 'conv'],
        kernel: [3, 5],
        expansion: [1, 3],
        filters: [8],
        layers: [1],
        squeezeExcite: [false],
        stride: [2],
      },
      accelerator: { template: 'systolic', rows: [8, 16], cols: [8] },
      hyperparameters: { learningRate: { min: 0.003, max: 0.03, bases: 3 }, weightDecay: [0, 1e-4] },
    },
    strategy: { name: 'autohas', seed, learningRate: 0.1 },
  });
}
