// Init: load the dataset once to learn its shape, write the initial policy, or resume after the
// last complete iteration with counters rebuilt from the iterations' evaluations.
import { loadDataset } from '../data/load.js';
import { SearchSpace } from '../space/encoding.js';
import { searchPlan } from '../spec/plan.js';
import { SPEC_VERSION } from '../spec/schema.js';
import { getJson, putJson, putJsonOnce } from '../store/json.js';
import type { Store } from '../store/store.js';
import { supernetDone } from './autohas.js';
import type { Evaluation } from './evaluation.js';
import { hypervolumeFrame } from './frame.js';
import { keys } from './keys.js';
import { loopPolicy } from './policy.js';
import {
  accumulate,
  type DatasetInfo,
  iso,
  type LoopState,
  loadSpec,
  type PolicySnapshot,
  type SearchState,
  type StepContext,
  specHashOf,
  withZeroCounts,
} from './state.js';
import { shouldStop } from './stop.js';

/** Last iteration whose policy update was written, 0 if none. */
async function lastCompleteIteration(store: Store, searchId: string, max: number): Promise<number> {
  let k = 0;
  while (k < max && (await store.tryGet(keys.policy(searchId, k + 1)))) k++;
  return k;
}

export async function initSearch(ctx: StepContext, input: { searchId: string }): Promise<LoopState> {
  const { store } = ctx;
  const { searchId } = input;
  const spec = await loadSpec(store, searchId);
  const data = await loadDataset(spec.dataset, { seed: spec.strategy.seed, readBytes: ctx.readBytes });
  const info: DatasetInfo = {
    uri: data.uri,
    shape: data.shape,
    numClasses: data.numClasses,
    sizes: { train: data.train.n, validation: data.val.n, test: data.test.n },
  };
  await putJson(store, keys.dataset(searchId), info);
  await putJsonOnce(store, keys.frame(searchId), hypervolumeFrame(spec, info.shape, info.numClasses));
  const plan = searchPlan(spec);
  // AutoHAS's policy 0 (its top-k) is written by the supernet phase when it ends.
  if (!plan.supernet) {
    const snapshot: PolicySnapshot = {
      version: SPEC_VERSION,
      specHash: specHashOf(spec),
      iteration: 0,
      strategy: loopPolicy(spec, new SearchSpace(spec)).init(),
    };
    await putJsonOnce(store, keys.policy(searchId, 0), snapshot);
  }
  const done = await lastCompleteIteration(store, searchId, plan.iterations);
  // Counters are rebuilt from the iterations' evaluations, so a run killed between writing a
  // policy and its progress summary resumes with exact counts.
  let state = withZeroCounts(await getJson<SearchState>(store, keys.state(searchId)));
  for (let k = 1; k <= done; k++) {
    const it = await getJson<{ evaluations: Evaluation[] }>(store, keys.evaluations(searchId, k));
    state = accumulate(state, k, it.evaluations, state.updatedAt);
  }
  await putJson(store, keys.state(searchId), { ...state, status: 'running', updatedAt: iso(ctx) });
  const stop = await shouldStop(ctx, spec, searchId, done);
  if (plan.supernet && stop === undefined && !(await supernetDone(ctx, searchId)))
    return { searchId, iteration: 1, done: false, supernet: true };
  return { searchId, iteration: done + 1, done: stop !== undefined };
}
