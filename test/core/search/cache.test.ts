import { describe, expect, it } from 'vitest';
import {
  cacheKey,
  emptyCache,
  lookup,
  parseCache,
  planEvaluations,
  record,
  resolveBatch,
  trainingBudgetHash,
} from '../../../core/search/cache.js';
import { DatasetSpec, TrainingSpec } from '../../../core/spec/schema.js';

const ds = DatasetSpec.parse({});
const budget = trainingBudgetHash(TrainingSpec.parse({ steps: 60 }), ds);

describe('evaluation cache', () => {
  it('budget hash changes with steps, batch size and dataset, not with maxSeconds', () => {
    expect(trainingBudgetHash(TrainingSpec.parse({ steps: 60, maxSeconds: 5 }), ds)).toBe(budget);
    expect(trainingBudgetHash(TrainingSpec.parse({ steps: 61 }), ds)).not.toBe(budget);
    expect(trainingBudgetHash(TrainingSpec.parse({ steps: 60, batchSize: 64 }), ds)).not.toBe(budget);
    expect(
      trainingBudgetHash(TrainingSpec.parse({ steps: 60 }), DatasetSpec.parse({ maxTrainSamples: 100 })),
    ).not.toBe(budget);
  });

  it('records, looks up by id + budget, and keeps the first measurement', () => {
    const c0 = emptyCache<{ accuracy: number }>();
    const c1 = record(c0, 'abc', budget, { accuracy: 0.5 }, { iteration: 1 });
    expect(c0.entries).toEqual({}); // pure
    expect(lookup(c1, 'abc', budget)?.metrics).toEqual({ accuracy: 0.5 });
    expect(lookup(c1, 'abc', 'other-budget')).toBeUndefined();
    expect(lookup(c1, 'constructor', budget)).toBeUndefined();
    const c2 = record(c1, 'abc', budget, { accuracy: 0.9 });
    expect(lookup(c2, 'abc', budget)?.metrics.accuracy).toBe(0.5);
  });

  it('plans a batch: cached, evaluate, and in-batch duplicates', () => {
    const cache = record(emptyCache(), 'a', budget, { accuracy: 0.1 });
    const plan = planEvaluations(cache, [{ id: 'a' }, { id: 'b' }, { id: 'b' }, { id: 'c' }], budget);
    expect(plan.toEvaluate.map((c) => c.id)).toEqual(['b', 'c']);
    expect(plan.sources).toEqual(['cache', 'evaluate', 'duplicate', 'evaluate']);
  });

  it('resolves a batch and says which results were cached', () => {
    const cache = record(emptyCache<{ accuracy: number }>(), 'a', budget, { accuracy: 0.1 });
    const cands = [{ id: 'a' }, { id: 'b' }, { id: 'b' }];
    const { results, cache: next } = resolveBatch(
      cache,
      cands,
      budget,
      { b: { accuracy: 0.7 } },
      { iteration: 2 },
    );
    expect(results.map((r) => [r.candidate.id, r.metrics.accuracy, r.cached])).toEqual([
      ['a', 0.1, true],
      ['b', 0.7, false],
      ['b', 0.7, true],
    ]);
    expect(lookup(next, 'b', budget)?.source).toEqual({ iteration: 2 });
    expect(() => resolveBatch(cache, [{ id: 'z' }], budget, {})).toThrow(/no metrics for candidate z/);
  });

  it('round-trips through JSON and rejects corrupt caches', () => {
    const cache = record(emptyCache(), 'a', budget, { accuracy: 0.1 });
    expect(parseCache(JSON.parse(JSON.stringify(cache)))).toEqual(cache);
    expect(() => parseCache({ version: 2, entries: {} })).toThrow(/version/);
    const bad = { version: 1, entries: { wrong: { candidateId: 'a', budgetHash: budget, metrics: {} } } };
    expect(() => parseCache(bad)).toThrow(/key wrong/);
    expect(cacheKey('a', 'b')).toBe('a@b');
  });
});
