// The hypervolume frame of a search, fixed at Init before any candidate is evaluated: accuracy
// from chance level to 1, each cost from 0 to 1.1x the worst of a seeded sample of the space.
// A fixed absolute frame (say 100 ms) would put every small-image design at the ideal corner
// and make the hypervolume track accuracy alone.
import { SimulationInputError, simulateNetwork, technologyOfSpec } from '../accelerator/index.js';
import { summarizeNetwork } from '../network/summary.js';
import { Rng } from '../rng.js';
import type { HypervolumeFrame } from '../search/pareto.js';
import { SearchSpace } from '../space/encoding.js';
import { SEARCH_SIMULATION_TIER } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';

export const FRAME_SAMPLES = 256;

export function hypervolumeFrame(
  spec: SearchSpec,
  shape: readonly [number, number, number],
  numClasses: number,
): HypervolumeFrame {
  const space = new SearchSpace(spec);
  const rng = Rng.fromSeed(`hv-frame:${spec.strategy.seed}`);
  const worst = { latencyMs: 0, energyMJ: 0, areaMM2: 0 };
  const technology = technologyOfSpec(spec);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    const c = space.sample(rng);
    let summary: ReturnType<typeof summarizeNetwork>;
    try {
      summary = summarizeNetwork(c.network, shape, numClasses);
    } catch {
      continue; // an infeasible sample says nothing about the cost range
    }
    let m: ReturnType<typeof simulateNetwork>;
    try {
      m = simulateNetwork(summary, c.accelerator, SEARCH_SIMULATION_TIER, { technology });
    } catch (e) {
      // Nor does one past the simulator's bounds (SimulateAccelerator marks it infeasible).
      if (e instanceof SimulationInputError) continue;
      throw e;
    }
    worst.latencyMs = Math.max(worst.latencyMs, m.latencyMs);
    worst.energyMJ = Math.max(worst.energyMJ, m.energyMJ);
    worst.areaMM2 = Math.max(worst.areaMM2, m.areaMM2);
  }
  const ref = (v: number) => (v > 0 ? Number((1.1 * v).toPrecision(6)) : 1);
  return {
    reference: {
      accuracy: 1 / numClasses,
      latencyMs: ref(worst.latencyMs),
      energyMJ: ref(worst.energyMJ),
      areaMM2: ref(worst.areaMM2),
    },
    ideal: { accuracy: 1, latencyMs: 0, energyMJ: 0, areaMM2: 0 },
  };
}
