// What every accelerator template answers for a network: the contract the search relies on.

import type { NetworkSummary } from '../network/layers.js';
import type { AcceleratorConfig } from '../space/types.js';
import type { TechnologyTable } from './technology.js';

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

/** One file a template exports for a design (the report writes it as configs/{cid}/{name}). */
export interface DesignFile {
  name: string;
  content: string;
  /** What the file is, for a link's title. */
  title: string;
}

/** A network and its simulation on the design (the one the search recorded). */
export interface DesignRun {
  network: NetworkSummary;
  metrics: AcceleratorMetrics;
}

/** One accelerator template (systolic, pe-array, ...). Pure and deterministic. */
export interface AcceleratorTemplate<C extends AcceleratorConfig = AcceleratorConfig> {
  readonly name: C['template'];
  /** Area alone: hard area limits are checked before anything else. */
  area(config: C): number;
  simulate(network: NetworkSummary, config: C, tier: SimulationTier): AcceleratorMetrics;
  /**
   * What a hardware engineer takes away for one design: its configuration file(s), and with `run`
   * the files that describe the network on it (topology, per-layer latency and energy).
   */
  exportFiles(config: C, runName: string, run?: DesignRun, technology?: TechnologyTable): DesignFile[];
}
