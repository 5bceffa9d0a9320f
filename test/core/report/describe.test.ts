import { describe, expect, it } from 'vitest';
import { describeNetwork } from '../../../core/report/describe.js';
import type { NetworkArch } from '../../../core/space/types.js';

const NET: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 16,
  stages: [{ block: 'conv', kernel: 3, filters: 24, layers: 1, squeezeExcite: false, stride: 2 }],
};

describe('describeNetwork', () => {
  it('names the stem kernel, stride and width multiplier only when the network has them', () => {
    expect(describeNetwork(NET)).toBe('stem 16 → conv k3 ×1 f24 /2');
    expect(describeNetwork({ ...NET, stemKernel: 5, stemStride: 2, widthMultiplier: 0.75 })).toBe(
      'stem 16 k5 /2 → conv k3 ×1 f24 /2 (width ×0.75)',
    );
  });
});
