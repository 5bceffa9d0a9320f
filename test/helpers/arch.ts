// A stage of a mobile-cnn architecture for tests: one stride-1 mbconv layer unless told otherwise.
import type { StageArch } from '../../core/space/types.js';

export const stage = (s: Partial<StageArch>): StageArch => ({
  block: 'mbconv',
  kernel: 3,
  expansion: 3,
  filters: 16,
  layers: 1,
  squeezeExcite: false,
  stride: 1,
  ...s,
});
