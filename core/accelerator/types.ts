// What every accelerator template answers for a network: the contract the search relies on.

import type { NetworkSummary } from '../network/layers.js';
import type { AcceleratorConfig } from '../space/types.js';

export type SimulationTier = 'fast' | 'exact';

export interface LayerMetrics {
  name: string;
  cycles: number;
  stallCycles: number;
  energyPJ: number;
  utilizationPct: number;
}

export interface AcceleratorMetrics {
  template: AcceleratorConfig['template'];
  tier: SimulationTier;
  latencyCycles: number;
  latencyMs: number;
  energyMJ: number;
  areaMM2: number;
  /** MAC-weighted compute utilization over the network, 0..100. */
  utilizationPct: number;
  layers: LayerMetrics[];
}

/** One accelerator template (systolic, pe-array, ...). Pure and deterministic. */
export interface AcceleratorTemplate<C extends AcceleratorConfig = AcceleratorConfig> {
  readonly name: C['template'];
  /** Area alone: hard area limits are checked before anything else. */
  area(config: C): number;
  simulate(network: NetworkSummary, config: C, tier: SimulationTier): AcceleratorMetrics;
}
