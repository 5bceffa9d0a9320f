// TrainChild's side of autohas.final "finetune": a top-k candidate starts from its slice of the
// supernet's weights, written by the last SupernetChunk. Kept apart from the AutoHAS phase so
// that TrainChild loads only the fine-tuning builder, not the supernet and its controller.
import { fineTuneBuilder, type SubnetWeights } from '../autohas/finetune.js';
import type { Candidate } from '../space/types.js';
import { searchPlan } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';
import { tryGetJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import { keys } from './keys.js';

/**
 * TrainChild's network builder for a candidate that starts from the supernet's weights
 * (autohas.final "finetune": the top-k, not the default-hp twin), else undefined.
 */
export async function supernetInit(
  store: Store,
  spec: SearchSpec,
  searchId: string,
  c: Candidate,
): Promise<ReturnType<typeof fineTuneBuilder> | undefined> {
  if (searchPlan(spec).supernet?.final !== 'finetune') return undefined;
  const key = keys.supernetInit(searchId, c.id);
  const w = await tryGetJson<SubnetWeights>(store, key);
  return w ? fineTuneBuilder(c.network, w, key) : undefined;
}
