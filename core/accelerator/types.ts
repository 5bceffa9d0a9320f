// What every accelerator template answers for a network: the contract the search relies on.

import type { NetworkSummary } from '../network/layers.js';
import type { AcceleratorConfig } from '../space/types.js';

export type SimulationTier = 'fast' | 'exact';

/** Word counts of one operand class (SCALE-Sim's "ifmap / filter / ofmap"); words are 8-bit. */
export interface OperandCounts {
  ifmapReads: number;
  filterReads: number;
  ofmapWrites: number;
}

export interface LayerMetrics {
  name: string;
  cycles: number;
  stallCycles: number;
  energyPJ: number;
  utilizationPct: number;
  /** What the layer was lowered to: array work (gemm) or vector-unit work. */
  kind?: 'gemm' | 'vector';
  /** Identical copies simulated once and multiplied (a depthwise layer is `channels` 1-channel convs). */
  count?: number;
  /** MACs (gemm) or arithmetic ops (vector) executed, per example, padding included. */
  ops?: number;
  mappingEfficiencyPct?: number;
  computeUtilPct?: number;
  sram?: OperandCounts;
  dram?: OperandCounts;
}

export interface AcceleratorMetrics {
  template: AcceleratorConfig['template'];
  tier: SimulationTier;
  latencyCycles: number;
  /**
   * The two parts of latencyCycles: array (GEMM) work, which SCALE-Sim models (the exported
   * scalesim.cfg + topology.csv reproduce it), and vector-unit work (batch-norm, activations,
   * pooling, residual adds, softmax), which it does not.
   */
  arrayCycles: number;
  vectorCycles: number;
  latencyMs: number;
  energyMJ: number;
  areaMM2: number;
  /** MAC-weighted compute utilization over the network, 0..100. */
  utilizationPct: number;
  layers: LayerMetrics[];
  /** Hash of the technology table the energy and area came from. */
  technologyHash?: string;
}

/** One accelerator template (systolic, pe-array, ...). Pure and deterministic. */
export interface AcceleratorTemplate<C extends AcceleratorConfig = AcceleratorConfig> {
  readonly name: C['template'];
  /** Area alone: hard area limits are checked before anything else. */
  area(config: C): number;
  simulate(network: NetworkSummary, config: C, tier: SimulationTier): AcceleratorMetrics;
}
