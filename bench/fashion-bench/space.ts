// fashion-bench's task, in one place: the NAHAS-like per-stage space the table samples, the proxy
// budget every network is trained under, and the fixed, seeded list of sampled networks.
import { DEFAULT_HYPERPARAMETERS } from '../../core/network/defaults.js';
import { Rng } from '../../core/rng.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { SearchSpec } from '../../core/spec/schema.js';
import { networkDecisions, tableNetworkId } from '../tabular.js';

/**
 * Three stages of stride 2 (28 -> 14 -> 7 -> 4 pixels, or half that with a stride-2 stem), each with
 * its own block types, widths and kernels (examples/nahas-fashion.json's network space), a stem
 * kernel/stride and a MobileNet width multiplier: about 2·10^7 distinct networks. The accelerator is
 * the NAHAS pe-array template with its default ranges (one clock: the technology table prices none).
 * Hyper-parameters are fixed to the Fashion-MNIST recipe's (Adam 0.01, weight decay 1e-4, batch 64).
 */
export const FASHION_SPACE = {
  network: {
    stages: 3,
    stemFilters: [16],
    stemKernel: [3, 5],
    stemStride: [1, 2],
    widthMultiplier: [0.5, 0.75, 1, 1.25],
    blockType: ['mbconv', 'fused-mbconv', 'conv'],
    kernel: [3, 5],
    expansion: [3, 6],
    layers: [1, 2],
    squeezeExcite: [false, true],
    stride: [2],
    perStage: [
      { blockType: ['fused-mbconv', 'conv'], filters: [16, 24] },
      { filters: [24, 32, 40] },
      { blockType: ['mbconv', 'fused-mbconv'], filters: [40, 48, 64], kernel: [3, 5, 7] },
    ],
  },
  accelerator: { template: 'pe-array' },
  hyperparameters: {
    learningRate: [DEFAULT_HYPERPARAMETERS.learningRate],
    weightDecay: [DEFAULT_HYPERPARAMETERS.weightDecay],
    optimizer: [DEFAULT_HYPERPARAMETERS.optimizer],
    batchSize: [DEFAULT_HYPERPARAMETERS.batchSize],
  },
} as const;

/**
 * The proxy budget: 1 epoch (156 steps of 64) on a 10,000-image subset of the 54,000 training
 * images (the split is seeded by dataSeed, the same for every run; the other 6,000 are the
 * validation set), cosine schedule, scored on the official 10,000-image test set.
 */
export const FASHION_TRAINING = {
  dataset: { uri: 'builtin:fashion-mnist', format: 'builtin', maxTrainSamples: 10_000 },
  epochs: 1,
  schedule: 'cosine',
  dataSeed: 0,
} as const;

/** Networks in the table and training seeds per network (seed indices 0 … SEEDS-1). */
export const ARCHS = 500;
export const SEEDS = 2;
/** The label of the seeded stream the networks are drawn from. */
export const SAMPLING_SEED = 'fashion-bench:archs';

export function fashionSpace(): SearchSpace {
  return new SearchSpace(SearchSpec.parse({ space: FASHION_SPACE }));
}

/**
 * The first `n` distinct networks of the seeded uniform stream over the space, in draw order (a
 * sample without replacement; the order never changes, so a longer list extends a shorter one).
 * Tokens are canonical, with every non-network decision at 0, as in bench/tabular.ts's keys.
 */
export function sampleArchs(space: SearchSpace, n: number): { id: string; tokens: number[] }[] {
  const rng = Rng.fromSeed(SAMPLING_SEED);
  const net = new Set(networkDecisions(space));
  const out = new Map<string, number[]>();
  for (let draws = 0; out.size < n; draws++) {
    if (draws > 1000 * n) throw new Error(`sampleArchs: the space has fewer than ${n} distinct networks`);
    const tokens = space.sample(rng).tokens.map((t, i) => (net.has(i) ? t : 0));
    const id = tableNetworkId(space, tokens);
    if (!out.has(id)) out.set(id, space.canonicalize(tokens));
  }
  return [...out].map(([id, tokens]) => ({ id, tokens }));
}
