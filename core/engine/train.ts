// TrainChild: train a feasible child under the spec's budget and keep its model. Results are
// cached by canonical candidate id and everything that shapes training.
import { hashOf } from '../hash.js';
import type { Candidate } from '../space/types.js';
import type { SearchSpec } from '../spec/schema.js';
import { getJson, listAll, putJson, putJsonOnce, tryGetJson } from '../store/json.js';
import { AlreadyExistsError } from '../store/store.js';
import { trainChildChunk } from '../training/train.js';
import { keys } from './keys.js';
import { loadSpec, type StepContext, type TrainingRecord } from './state.js';
import { supernetInit } from './supernet-init.js';

/** Seed for one child's training: fixed by the search seed and the candidate, never by timing. */
export function childSeed(spec: SearchSpec, cid: string): number {
  return Number.parseInt(hashOf({ seed: spec.strategy.seed, cid }, 8), 16) >>> 1;
}

/** Points kept of a child's loss curve: enough for a plot, small enough for every training record. */
export const LOSS_CURVE_POINTS = 50;

/** At most `n` points of a curve, evenly spaced over it, the first and the last kept. */
export function thinCurve(curve: readonly [number, number][], n = LOSS_CURVE_POINTS): [number, number][] {
  if (curve.length <= n) return curve.map(([x, y]) => [x, y]);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const [x, y] = curve[Math.round((i * (curve.length - 1)) / (n - 1))]!;
    out.push([x, Number(y.toPrecision(5))]);
  }
  return out;
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

/**
 * One TrainChild invocation: the whole child, or (with training.stepsPerChunk) its next chunk,
 * checkpointed under the iteration's key; `done: false` sends the state machine round again.
 */
export async function trainCandidate(
  ctx: StepContext,
  input: { searchId: string; iteration: number; cid: string },
): Promise<{
  searchId: string;
  iteration: number;
  cid: string;
  status: string;
  done: boolean;
  stepsDone?: number;
}> {
  const { store } = ctx;
  const { searchId, iteration, cid } = input;
  const key = keys.training(searchId, iteration, cid);
  const existing = await tryGetJson<TrainingRecord>(store, key);
  const out = (status: string, extra: { stepsDone?: number; done?: boolean } = {}) => ({
    searchId,
    iteration,
    cid,
    status,
    done: extra.done ?? true,
    ...(extra.stepsDone === undefined ? {} : { stepsDone: extra.stepsDone }),
  });
  if (existing) return out(existing.status);
  const spec = await loadSpec(store, searchId);
  const cacheKey = keys.cache(searchId, cid, budgetHash(spec));
  const hit = await tryGetJson<TrainingRecord>(store, cacheKey);
  if (hit) {
    // A converged controller resamples what it has seen: reuse, do not retrain.
    await putJson(store, key, { ...hit, cached: true });
    return out(hit.status);
  }
  const cand = await getJson<Candidate>(store, keys.candidate(searchId, iteration, cid));
  const modelPrefix = keys.model(searchId, cid);
  const chunked = spec.training.stepsPerChunk;
  // The loss curve of earlier chunks waits beside the checkpoint.
  const curveKey = `${keys.childCheckpoint(searchId, iteration, cid)}loss-curve.json`;
  const curve: [number, number][] = chunked
    ? ((await tryGetJson<[number, number][]>(store, curveKey)) ?? [])
    : [];
  // AutoHAS with autohas.final "finetune": its top-k start from the supernet's weights.
  const buildNetwork = await supernetInit(store, spec, searchId, cand);
  const r = await trainChildChunk({
    ...(buildNetwork ? { buildNetwork } : {}),
    onProgress: (p) => {
      // A retried chunk repeats steps the stored curve already has.
      if (p.step > (curve.at(-1)?.[0] ?? 0)) curve.push([p.step, p.loss]);
    },
    progressEvery: 1,
    arch: cand.network,
    hyperparameters: cand.hyperparameters,
    dataset: spec.dataset,
    training: spec.training,
    seed: childSeed(spec, cid),
    // The quantized copy is scored at the accelerator's weight width.
    weightBits: cand.accelerator.weightBits,
    // One split for the whole search: every child is scored on the same validation and test sets.
    dataSeed: spec.strategy.seed,
    readBytes: ctx.readBytes,
    saveModel: { store, prefix: modelPrefix },
    ...(chunked
      ? { chunkSteps: chunked, checkpoint: { store, prefix: keys.childCheckpoint(searchId, iteration, cid) } }
      : {}),
  });
  if (!r.done) {
    await putJson(store, curveKey, thinCurve(curve, 4 * LOSS_CURVE_POINTS));
    return out('training', { done: false, stepsDone: r.stepsDone });
  }
  const result = r.result;
  const record: TrainingRecord = {
    cid,
    ...result,
    ...(curve.length ? { lossCurve: thinCurve(curve) } : {}),
    ...(result.status === 'failed' ? {} : { modelPrefix }),
  };
  await putJson(store, key, record);
  if (result.status !== 'failed') {
    // Two iterations training one cid concurrently both write it; the first one stays.
    await putJsonOnce(store, cacheKey, record).catch((e) => {
      if (!(e instanceof AlreadyExistsError)) throw e;
    });
  }
  if (chunked) await deletePrefix(store, keys.childCheckpoint(searchId, iteration, cid));
  return out(result.status);
}

/** Removes a finished child's checkpoint (weights and optimizer state are not kept). */
async function deletePrefix(store: StepContext['store'], prefix: string): Promise<void> {
  for (const k of await listAll(store, prefix)) await store.delete(k);
}
