// One layer's numbers in SCALE-Sim's terms (counts in 8-bit words), produced by either tier.
import type { OperandCounts } from '../types.js';
import type { ArrayShape } from './layer.js';

export interface SystolicMemory {
  ifmapSramKB: number;
  filterSramKB: number;
  ofmapSramKB: number;
  /** USER mode bandwidth in words/cycle; undefined means CALC mode. */
  bandwidth?: number;
}

export type SystolicArray = ArrayShape & SystolicMemory;

export interface SystolicLayerResult {
  name: string;
  totalCycles: number;
  stallCycles: number;
  /** Stall-free schedule length (folds × fold length − 1). */
  computeCycles: number;
  macs: number;
  overallUtilPct: number;
  mappingEfficiencyPct: number;
  computeUtilPct: number;
  sram: OperandCounts;
  dram: OperandCounts;
}

/** Distinct addresses a buffer of `kB` keeps before its CALC-mode tumbling window forgets (50 sets of ⌊Z/100⌋). */
export function windowWords(kB: number): number {
  return 50 * Math.floor((kB * 1024) / 100);
}

/** Start and stop cycles SCALE-Sim prints in its DETAILED_ACCESS_REPORT. */
export interface AccessWindow {
  start: number;
  stop: number;
}

export interface ExactDetail {
  sram: { ifmap: AccessWindow; filter: AccessWindow; ofmap: AccessWindow };
  dram: { ifmap: AccessWindow; filter: AccessWindow; ofmap: AccessWindow };
}

export interface ExactLayerResult extends SystolicLayerResult {
  detail: ExactDetail;
}

export interface ExactOptions {
  /**
   * How SCALE-Sim's Python adds the per-fold utilizations: `compensated` is Python ≥ 3.12's
   * `sum()` (Neumaier), which the pinned commit's own golden trace was made with; `naive` is
   * Python ≤ 3.11. They differ only in the last bits of the two averaged utilizations.
   */
  pythonSum?: 'compensated' | 'naive';
}
