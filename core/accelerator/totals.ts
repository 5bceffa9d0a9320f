// Whole-network metrics from per-layer sums: shared by every template.
import type { AcceleratorConfig } from '../space/types.js';
import { type TechnologyTable, technologyTableHash } from './technology.js';
import type { AcceleratorMetrics, LayerMetrics, SimulationTier } from './types.js';

export interface LayerSums {
  cycles: number;
  energyPJ: number;
  /** Σ utilization × MACs and Σ MACs, for the MAC-weighted utilization. */
  utilMacs: number;
  macs: number;
}

export function networkMetrics(
  config: AcceleratorConfig,
  tier: SimulationTier,
  sums: LayerSums,
  areaMM2: number,
  layers: LayerMetrics[],
  tech: TechnologyTable,
): AcceleratorMetrics {
  let vectorCycles = 0;
  for (const l of layers) if (l.kind === 'vector') vectorCycles += l.cycles;
  return {
    template: config.template,
    tier,
    latencyCycles: sums.cycles,
    arrayCycles: sums.cycles - vectorCycles,
    vectorCycles,
    latencyMs: sums.cycles / (config.clockMHz * 1e3),
    energyMJ: sums.energyPJ * 1e-9,
    areaMM2,
    utilizationPct: sums.macs > 0 ? sums.utilMacs / sums.macs : 0,
    layers,
    technologyHash: technologyTableHash(tech),
  };
}
