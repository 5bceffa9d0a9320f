// TrainChild: train a feasible child under the spec's budget and keep its model. Results are
// cached by canonical candidate id and everything that shapes training.
import { hashOf } from '../hash.js';
import type { Candidate } from '../space/types.js';
import type { SearchSpec } from '../spec/schema.js';
import { getJson, putJson, putJsonOnce, tryGetJson } from '../store/json.js';
import { AlreadyExistsError } from '../store/store.js';
import { trainChild } from '../training/train.js';
import { keys } from './keys.js';
import { loadSpec, type StepContext, type TrainingRecord } from './state.js';

/** Seed for one child's training: fixed by the search seed and the candidate, never by timing. */
export function childSeed(spec: SearchSpec, cid: string): number {
  return Number.parseInt(hashOf({ seed: spec.strategy.seed, cid }, 8), 16) >>> 1;
}

/** The evaluation cache is keyed by canonical candidate id and everything that shapes training. */
export function budgetHash(spec: SearchSpec): string {
  return hashOf(
    {
      dataset: spec.dataset,
      training: { ...spec.training, maxSeconds: undefined },
      seed: spec.strategy.seed,
    },
    12,
  );
}

export async function trainCandidate(
  ctx: StepContext,
  input: { searchId: string; iteration: number; cid: string },
): Promise<{ cid: string; status: string }> {
  const { store } = ctx;
  const { searchId, iteration, cid } = input;
  const key = keys.training(searchId, iteration, cid);
  const existing = await tryGetJson<TrainingRecord>(store, key);
  if (existing) return { cid, status: existing.status };
  const spec = await loadSpec(store, searchId);
  const cacheKey = keys.cache(searchId, cid, budgetHash(spec));
  const hit = await tryGetJson<TrainingRecord>(store, cacheKey);
  if (hit) {
    // A converged controller resamples what it has seen: reuse, do not retrain.
    await putJson(store, key, { ...hit, cached: true });
    return { cid, status: hit.status };
  }
  const cand = await getJson<Candidate>(store, keys.candidate(searchId, iteration, cid));
  const modelPrefix = keys.model(searchId, cid);
  const result = await trainChild({
    arch: cand.network,
    hyperparameters: cand.hyperparameters,
    dataset: spec.dataset,
    training: spec.training,
    seed: childSeed(spec, cid),
    // One split for the whole search: every child is scored on the same validation and test sets.
    dataSeed: spec.strategy.seed,
    readBytes: ctx.readBytes,
    saveModel: { store, prefix: modelPrefix },
  });
  const record: TrainingRecord = { cid, ...result, ...(result.status === 'failed' ? {} : { modelPrefix }) };
  await putJson(store, key, record);
  if (result.status !== 'failed') {
    // Two iterations training one cid concurrently both write it; the first one stays.
    await putJsonOnce(store, cacheKey, record).catch((e) => {
      if (!(e instanceof AlreadyExistsError)) throw e;
    });
  }
  return { cid, status: result.status };
}
