import { SearchSpec } from '../core/spec/schema.js';

export const SAM_SEARCH_ID = 'sam-example';

/** The search the SAM events come from: tiny, fixed seed. */
export function samSpec(): SearchSpec {
  return SearchSpec.parse({
    name: 'sam-example',
    dataset: { maxTrainSamples: 200 },
    space: {
      network: {
        stages: 1,
        stemFilters: [8],
        filters: [8],
        layers: [1],
        kernel: [3],
        squeezeExcite: [false],
      },
    },
    strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 11 },
    training: { steps: 5, batchSize: 16 },
  });
}

export const SAM_AUTOHAS_ID = 'sam-autohas';

/** The AutoHAS search the SupernetChunk event comes from: the same, one-shot, two chunks. */
export function samAutohasSpec(): SearchSpec {
  const base = samSpec();
  return SearchSpec.parse({
    ...base,
    name: 'sam-autohas',
    strategy: { ...base.strategy, name: 'autohas' },
    autohas: { steps: 4, stepsPerChunk: 2, topK: 2 },
  });
}
