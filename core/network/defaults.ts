// The default child: what `cosearch train` trains without --arch and what the benchmark scores.
import type { Hyperparameters, NetworkArch } from '../space/types.js';

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
