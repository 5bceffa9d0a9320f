// Why a search should end: the one place that reads the stop flag and every budget.
import { costSoFar } from '../cost/model.js';
import { searchPlan } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';
import { getJson } from '../store/json.js';
import { keys } from './keys.js';
import { nowOf, type SearchState, type StepContext } from './state.js';

/** Why the loop should end after iteration k, or undefined to go on. */
export async function shouldStop(
  ctx: StepContext,
  spec: SearchSpec,
  searchId: string,
  k: number,
  state?: SearchState,
): Promise<string | undefined> {
  if (k >= searchPlan(spec).iterations) return 'iterations';
  return stopReasonBeforeLoop(ctx, spec, searchId, state);
}

/** Why the search should end whatever the iteration (stop flag, budgets), or undefined. */
export async function stopReasonBeforeLoop(
  ctx: StepContext,
  spec: SearchSpec,
  searchId: string,
  state?: SearchState,
): Promise<string | undefined> {
  if (await ctx.store.tryGet(keys.stop(searchId))) return 'stop-flag';
  const s = state ?? (await getJson<SearchState>(ctx.store, keys.state(searchId)));
  if (s.candidatesEvaluated >= spec.budget.maxCandidates) return 'max-candidates';
  if ((nowOf(ctx) - Date.parse(s.startedAt)) / 1000 > spec.budget.maxWallSeconds) return 'max-wall-seconds';
  // The USD cap uses the model's per-child time, not measured seconds, so the same spec and
  // seed stop at the same iteration on any machine.
  if (
    costSoFar(spec, { ...s, trainSeconds: undefined }, { backend: ctx.costBackend }).totalUSD >=
    spec.budget.maxUSD
  )
    return 'max-usd';
  return undefined;
}
