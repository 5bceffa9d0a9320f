import { describe, expect, it } from 'vitest';
import { childBudget, searchPlan } from '../../../core/spec/plan.js';
import { DEFAULT_CHILD_STEPS, SearchSpec, TrainingSpec } from '../../../core/spec/schema.js';

const HP = { batchSize: 32 };

describe('childBudget', () => {
  it('counts epochs from the candidate first, then the spec, then steps', () => {
    expect(childBudget(TrainingSpec.parse({ steps: 7 }), { ...HP, epochs: 2 }, 100)).toEqual({
      batchSize: 32,
      stepsPerEpoch: 3,
      steps: 6,
      examples: 192,
      epochs: 2,
    });
    expect(childBudget(TrainingSpec.parse({ epochs: 3 }), HP, 100).steps).toBe(9);
    expect(childBudget(TrainingSpec.parse({ steps: 7 }), HP, 100).steps).toBe(7);
  });

  it("uses the candidate's batch size, capped by the training split", () => {
    expect(childBudget(TrainingSpec.parse({ steps: 7 }), { batchSize: 256 }, 10_000).examples).toBe(7 * 256);
    expect(childBudget(TrainingSpec.parse({ steps: 7 }), { batchSize: 500 }, 100).batchSize).toBe(100);
  });

  it('falls back to the one default step count, which is also the spec default', () => {
    expect(childBudget(TrainingSpec.parse({}), HP, 1000).steps).toBe(DEFAULT_CHILD_STEPS);
    expect(SearchSpec.parse({}).training.steps).toBe(DEFAULT_CHILD_STEPS);
  });
});

describe('searchPlan', () => {
  it('caps the candidates by the budget', () => {
    const spec = SearchSpec.parse({
      strategy: { iterations: 3, batchSize: 4 },
      budget: { maxCandidates: 10 },
    });
    expect(searchPlan(spec)).toMatchObject({
      iterations: 3,
      batchSize: 4,
      maxCandidates: 10,
      supernet: null,
    });
  });
});
