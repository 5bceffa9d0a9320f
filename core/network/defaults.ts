// The default child: what `cosearch train` trains without --arch and what the benchmark scores,
// and the default Fashion-MNIST recipe built on it.
import type { Hyperparameters, NetworkArch } from '../space/types.js';
import type { SearchSpecInput } from '../spec/schema.js';

export const DEFAULT_ARCH: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 16,
  stages: [
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 24, layers: 1, squeezeExcite: false, stride: 2 },
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 32, layers: 1, squeezeExcite: false, stride: 2 },
  ],
};

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  learningRate: 0.01,
  weightDecay: 1e-4,
  optimizer: 'adam',
  batchSize: 64,
};

/**
 * The default child on Fashion-MNIST, in one place: the trainer bench's fashionDefault, the
 * parity bench and the example search train with it.
 */
export const FASHION_MNIST_RECIPE: {
  dataset: NonNullable<SearchSpecInput['dataset']>;
  network: NetworkArch;
  hyperparameters: Hyperparameters;
  training: NonNullable<SearchSpecInput['training']>;
} = {
  dataset: { uri: 'builtin:fashion-mnist', format: 'builtin' },
  network: DEFAULT_ARCH,
  hyperparameters: DEFAULT_HYPERPARAMETERS,
  training: { epochs: 3, schedule: 'cosine' },
};
