// SimulateAccelerator: simulate the child on its accelerator and check the hard limits.
import { SimulationInputError, simulateNetwork, technologyOfSpec } from '../accelerator/index.js';
import { summarizeNetwork } from '../network/summary.js';
import { checkHardLimits } from '../search/reward.js';
import type { Candidate } from '../space/types.js';
import { SEARCH_SIMULATION_TIER } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';
import { getJson, putJson, tryGetJson } from '../store/json.js';
import { keys } from './keys.js';
import { type AcceleratorRecord, type DatasetInfo, loadSpec, type StepContext } from './state.js';

export async function simulateCandidate(
  ctx: StepContext,
  input: { searchId: string; iteration: number; cid: string },
): Promise<{ searchId: string; iteration: number; cid: string; feasible: boolean }> {
  const { store } = ctx;
  const { searchId, iteration, cid } = input;
  const key = keys.accelerator(searchId, iteration, cid);
  const existing = await tryGetJson<AcceleratorRecord>(store, key);
  if (existing) return { searchId, iteration, cid, feasible: existing.feasible };
  const spec = await loadSpec(store, searchId);
  const cand = await getJson<Candidate>(store, keys.candidate(searchId, iteration, cid));
  const data = await getJson<DatasetInfo>(store, keys.dataset(searchId));
  const record = acceleratorRecord(cid, cand, data, spec);
  await putJson(store, key, record);
  return { searchId, iteration, cid, feasible: record.feasible };
}

/** Simulate the child on its accelerator; past a hard limit (or unbuildable) it is infeasible. */
export function acceleratorRecord(
  cid: string,
  cand: Pick<Candidate, 'network' | 'accelerator'>,
  data: Pick<DatasetInfo, 'shape' | 'numClasses'>,
  spec: Pick<SearchSpec, 'objectives'> & Partial<Pick<SearchSpec, 'space'>>,
): AcceleratorRecord {
  let summary: ReturnType<typeof summarizeNetwork>;
  try {
    summary = summarizeNetwork(cand.network, data.shape, data.numClasses);
  } catch (e) {
    return { cid, feasible: false, violations: [`network: ${(e as Error).message}`] };
  }
  let m: ReturnType<typeof simulateNetwork>;
  try {
    m = simulateNetwork(summary, cand.accelerator, SEARCH_SIMULATION_TIER, {
      technology: technologyOfSpec(spec),
    });
  } catch (e) {
    // Past the simulator's bounds (a layer too large to simulate): infeasible, never trained.
    if (!(e instanceof SimulationInputError)) throw e;
    return { cid, feasible: false, violations: [`accelerator: ${e.message}`] };
  }
  const limits = checkHardLimits(
    { latencyMs: m.latencyMs, energyMJ: m.energyMJ, areaMM2: m.areaMM2 },
    spec.objectives,
  );
  return {
    cid,
    feasible: limits.feasible,
    violations: limits.violations,
    metrics: {
      latencyMs: m.latencyMs,
      latencyCycles: m.latencyCycles,
      energyMJ: m.energyMJ,
      areaMM2: m.areaMM2,
      utilizationPct: m.utilizationPct,
      tier: m.tier,
    },
    network: { params: summary.params, macs: summary.macs, layers: summary.layers.length },
  };
}
