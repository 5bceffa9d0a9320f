// SampleCandidates: ask the policy for a batch and write one object per candidate.
import { Rng } from '../rng.js';
import { SearchSpace } from '../space/encoding.js';
import { searchPlan } from '../spec/plan.js';
import { getJson, putJson, putJsonOnce } from '../store/json.js';
import { keys } from './keys.js';
import { LOOP_LIMITS } from './limits.js';
import { loopPolicy } from './policy.js';
import {
  loadSpec,
  type PolicySnapshot,
  type ProposalRecord,
  type SearchState,
  type StepContext,
} from './state.js';

export async function sampleCandidates(
  ctx: StepContext,
  input: { searchId: string; iteration: number },
): Promise<{
  searchId: string;
  iteration: number;
  candidates: string[];
  count: number;
  candidatesKey: string;
}> {
  const { store } = ctx;
  const { searchId, iteration } = input;
  const spec = await loadSpec(store, searchId);
  const prior = await getJson<PolicySnapshot>(store, keys.policy(searchId, iteration - 1));
  const state = await getJson<SearchState>(store, keys.state(searchId));
  const n = Math.max(
    1,
    Math.min(searchPlan(spec).batchSize, spec.budget.maxCandidates - state.candidatesEvaluated),
  );
  // The stream depends only on seed and iteration, so a retried step proposes the same batch.
  const rng = Rng.fromSeed(spec.strategy.seed).split(`sample/${iteration}`);
  const { proposal, candidates } = loopPolicy(spec, new SearchSpace(spec)).propose(prior.strategy, n, rng);
  for (const c of candidates) await putJsonOnce(store, keys.candidate(searchId, iteration, c.id), c);
  const record: ProposalRecord = {
    iteration,
    // As proposed (not canonicalized): observe() matches them against its pending batch.
    tokens: proposal.tokens,
    cids: candidates.map((c) => c.id),
    state: proposal.state,
  };
  await putJsonOnce(store, keys.proposal(searchId, iteration), record);
  const distinct = [...new Set(record.cids)];
  // Large batches travel as an S3 list (Distributed Map ItemReader), not in the payload.
  const candidatesKey = keys.candidateList(searchId, iteration);
  await putJson(store, candidatesKey, distinct);
  const inline = distinct.length <= LOOP_LIMITS.inlineMapMaxItems;
  return { searchId, iteration, candidates: inline ? distinct : [], count: distinct.length, candidatesKey };
}
