// Evaluation cache: a candidate trained under a given budget is trained once. Keyed by the
// canonical candidate id plus a hash of the training budget; plain JSON so it can live in the
// store next to the policy. All functions are pure: they return a new cache.
import { z } from 'zod';
import { hashOf } from '../hash.js';
import { parseWith } from '../spec/parse.js';
import type { DatasetSpec, TrainingSpec } from '../spec/schema.js';

export const CACHE_VERSION = 1;

export interface CacheEntry<M = unknown> {
  candidateId: string;
  budgetHash: string;
  metrics: M;
  /** Where the metrics were first measured, e.g. `{ iteration: 3 }`. */
  source?: Record<string, string | number>;
}

export interface EvalCache<M = unknown> {
  version: typeof CACHE_VERSION;
  entries: Record<string, CacheEntry<M>>;
}

export function emptyCache<M = unknown>(): EvalCache<M> {
  return { version: CACHE_VERSION, entries: {} };
}

export function cacheKey(candidateId: string, budgetHash: string): string {
  return `${candidateId}@${budgetHash}`;
}

/**
 * Hash of what fixes a training result besides the candidate: the budget in steps/epochs and
 * batch size, and the dataset. `maxSeconds` is left out (a hang guard, not a budget). `extra`
 * can carry anything else that changes results (e.g. a trainer version or a seed count).
 */
export function trainingBudgetHash(
  training: Pick<TrainingSpec, 'steps' | 'epochs' | 'batchSize'>,
  dataset: DatasetSpec,
  extra?: Record<string, string | number | boolean>,
): string {
  return hashOf({
    steps: training.steps ?? null,
    epochs: training.epochs ?? null,
    batchSize: training.batchSize,
    dataset,
    extra: extra ?? null,
  });
}

export function lookup<M>(
  cache: EvalCache<M>,
  candidateId: string,
  budgetHash: string,
): CacheEntry<M> | undefined {
  return Object.hasOwn(cache.entries, cacheKey(candidateId, budgetHash))
    ? cache.entries[cacheKey(candidateId, budgetHash)]
    : undefined;
}

/** Adds an entry; the first measurement of a key wins, so re-recording never changes a cache. */
export function record<M>(
  cache: EvalCache<M>,
  candidateId: string,
  budgetHash: string,
  metrics: M,
  source?: Record<string, string | number>,
): EvalCache<M> {
  const k = cacheKey(candidateId, budgetHash);
  if (Object.hasOwn(cache.entries, k)) return cache;
  const entry: CacheEntry<M> = { candidateId, budgetHash, metrics: structuredClone(metrics) };
  if (source) entry.source = { ...source };
  return { version: CACHE_VERSION, entries: { ...cache.entries, [k]: entry } };
}

export type Source = 'cache' | 'evaluate' | 'duplicate';

export interface EvaluationPlan<C extends { id: string }> {
  /** Candidates to evaluate: the first occurrence of each id that is not cached. */
  toEvaluate: C[];
  /** Per input candidate, in order: cached, to evaluate, or a repeat of an earlier one in the batch. */
  sources: Source[];
}

export function planEvaluations<C extends { id: string }>(
  cache: EvalCache,
  candidates: readonly C[],
  budgetHash: string,
): EvaluationPlan<C> {
  const seen = new Set<string>();
  const toEvaluate: C[] = [];
  const sources = candidates.map((c): Source => {
    if (lookup(cache, c.id, budgetHash)) return 'cache';
    if (seen.has(c.id)) return 'duplicate';
    seen.add(c.id);
    toEvaluate.push(c);
    return 'evaluate';
  });
  return { toEvaluate, sources };
}

export interface ResolvedResult<C, M> {
  candidate: C;
  metrics: M;
  /** True when the metrics were not measured for this candidate in this batch. */
  cached: boolean;
}

/**
 * Metrics for every candidate of a batch, from the cache or from `fresh` (id -> metrics of the
 * evaluations just run), and the cache with the fresh ones recorded.
 */
export function resolveBatch<C extends { id: string }, M>(
  cache: EvalCache<M>,
  candidates: readonly C[],
  budgetHash: string,
  fresh: Readonly<Record<string, M>>,
  source?: Record<string, string | number>,
): { results: ResolvedResult<C, M>[]; cache: EvalCache<M> } {
  const plan = planEvaluations(cache as EvalCache, candidates, budgetHash);
  let next = cache;
  for (const c of plan.toEvaluate) {
    if (!Object.hasOwn(fresh, c.id))
      throw new Error(`no metrics for candidate ${c.id}, which had to be evaluated`);
    next = record(next, c.id, budgetHash, fresh[c.id]!, source);
  }
  const results = candidates.map((c, i) => ({
    candidate: c,
    metrics: structuredClone(lookup(next, c.id, budgetHash)!.metrics),
    cached: plan.sources[i] !== 'evaluate',
  }));
  return { results, cache: next };
}

const CacheSchema = z.strictObject({
  version: z.literal(CACHE_VERSION),
  entries: z.record(
    z.string(),
    z.strictObject({
      candidateId: z.string().min(1),
      budgetHash: z.string().min(1),
      metrics: z.unknown(),
      source: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    }),
  ),
});

/** Validates a cache loaded from the store; errors name the JSON path. */
export function parseCache(raw: unknown): EvalCache {
  const r = parseWith(CacheSchema, raw);
  if (!r.ok)
    throw new Error(`invalid evaluation cache: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  for (const [k, e] of Object.entries(r.value.entries))
    if (k !== cacheKey(e.candidateId, e.budgetHash))
      throw new Error(`invalid evaluation cache: key ${k} does not match its entry`);
  return r.value as EvalCache;
}
