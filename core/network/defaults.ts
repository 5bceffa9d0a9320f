// The default child: what `cosearch train` trains without --arch and what the benchmark scores,
// and the default Fashion-MNIST recipe built on it.
import type { Hyperparameters, NetworkArch } from '../space/types.js';
import type { SearchSpecInput } from '../spec/schema.js';

/**
 * Three stride-2 stages: on 28×28 inputs a unit at the pooled head sees 17×17 pixels (two stages
 * saw 9×9, a bag of local patches; on Fashion-MNIST that child stayed at 0.887 after 3 epochs,
 * this one reaches 0.91). 8×8 inputs end at 1×1.
 */
export const DEFAULT_ARCH: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 16,
  stages: [
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 24, layers: 1, squeezeExcite: false, stride: 2 },
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 32, layers: 1, squeezeExcite: false, stride: 2 },
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 48, layers: 1, squeezeExcite: false, stride: 2 },
  ],
};

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  learningRate: 0.01,
  weightDecay: 1e-4,
  optimizer: 'adam',
  batchSize: 64,
};

/**
 * The default child on Fashion-MNIST, in one place: the trainer bench's fashionDefault and the
 * parity bench train with it. 3 epochs of 843 steps (54,000 training images, batch 64), Adam at
 * 0.01 with a cosine decay to 0, no augmentation.
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
