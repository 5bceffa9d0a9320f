// A search small enough for end-to-end tests: a digits slice, one stage, a few steps.
import { SearchSpec, type SearchSpecInput } from '../../core/spec/schema.js';

export function tinySpec(overrides: Partial<SearchSpecInput> = {}): SearchSpec {
  return SearchSpec.parse({
    name: 'tiny',
    dataset: { maxTrainSamples: 200 },
    space: {
      network: {
        stages: 1,
        stemFilters: [8],
        blockType: ['conv', 'mbconv'],
        kernel: [3],
        expansion: [1, 3],
        filters: [8, 12],
        layers: [1],
        squeezeExcite: [false],
        stride: [1, 2],
      },
      accelerator: {
        template: 'systolic',
        rows: [4, 16],
        cols: [4, 16],
        dataflow: ['os'],
        ifmapSramKB: [16],
        filterSramKB: [16],
        ofmapSramKB: [16],
      },
    },
    strategy: { name: 'random', iterations: 2, batchSize: 3, seed: 7 },
    training: { steps: 5, batchSize: 16 },
    ...overrides,
  });
}
