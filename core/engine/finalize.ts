// Finalize: Pareto front, best candidates and provenance into results.json, then the report.
import { getJson, putJson } from '../store/json.js';
import { keys } from './keys.js';
import { writeReport } from './report.js';
import { finalizeResults } from './results.js';
import { iso, loadSpec, type SearchState, type StepContext } from './state.js';
import { shouldStop } from './stop.js';

export async function finalizeSearch(
  ctx: StepContext,
  input: { searchId: string },
): Promise<{ searchId: string; status: string; resultsKey: string }> {
  const { store } = ctx;
  const spec = await loadSpec(store, input.searchId);
  const state = await getJson<SearchState>(store, keys.state(input.searchId));
  const reason = await shouldStop(ctx, spec, input.searchId, state.iteration, state);
  const status: SearchState['status'] = reason === 'iterations' ? 'succeeded' : 'stopped';
  await finalizeResults(store, spec, input.searchId, state, status, reason, { backend: ctx.costBackend });
  await writeReport(store, input.searchId);
  const final: SearchState = {
    ...state,
    status,
    updatedAt: iso(ctx),
    ...(reason ? { stopReason: reason } : {}),
  };
  await putJson(store, keys.state(input.searchId), final);
  return { searchId: input.searchId, status, resultsKey: keys.results(input.searchId) };
}
