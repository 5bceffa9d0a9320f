// UpdatePolicy: score the iteration from both metric objects, then the policy's observe.
import { observationOf } from '../search/outcome.js';
import { SearchSpace } from '../space/encoding.js';
import { SPEC_VERSION } from '../spec/schema.js';
import { getJson, putJson, putJsonOnce } from '../store/json.js';
import { evaluateIteration } from './evaluation.js';
import { keys } from './keys.js';
import { LOOP_LIMITS } from './limits.js';
import { loopPolicy } from './policy.js';
import {
  accumulate,
  type ChildSummary,
  iso,
  type LoopState,
  loadSpec,
  type PolicySnapshot,
  type ProposalRecord,
  type SearchState,
  type StepContext,
  specHashOf,
} from './state.js';
import { shouldStop } from './stop.js';

export async function updatePolicy(
  ctx: StepContext,
  input: { searchId: string; iteration: number; children: ChildSummary[] },
): Promise<LoopState> {
  const { store } = ctx;
  const { searchId, iteration } = input;
  const spec = await loadSpec(store, searchId);
  const proposal = await getJson<ProposalRecord>(store, keys.proposal(searchId, iteration));
  const evaluations = await evaluateIteration(store, spec, searchId, proposal, input.children);
  await putJson(store, keys.evaluations(searchId, iteration), { iteration, evaluations });
  const byCid = new Map(evaluations.map((e) => [e.cid, e]));
  const observations = proposal.cids.map((cid, i) => {
    const e = byCid.get(cid);
    return observationOf(
      { tokens: proposal.tokens[i]! },
      { reward: e?.reward ?? null, objectives: e?.objectives ?? null },
    );
  });
  const next = loopPolicy(spec, new SearchSpace(spec)).observe(proposal.state, observations);
  const snapshot: PolicySnapshot = {
    version: SPEC_VERSION,
    specHash: specHashOf(spec),
    iteration,
    strategy: next,
  };
  await putJsonOnce(store, keys.policy(searchId, iteration), snapshot);

  const state = await getJson<SearchState>(store, keys.state(searchId));
  const updated = accumulate(state, iteration, evaluations, iso(ctx));
  await putJson(store, keys.state(searchId), updated);
  const stop = await shouldStop(ctx, spec, searchId, iteration, updated);
  const checkpoint = stop === undefined && iteration % LOOP_LIMITS.iterationsPerExecution === 0;
  return {
    searchId,
    iteration: iteration + 1,
    done: stop !== undefined,
    ...(checkpoint ? { checkpoint } : {}),
  };
}
