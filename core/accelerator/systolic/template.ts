// The `systolic` template: a SCALE-Sim-style array with three double-buffered SRAMs.
// Array work goes through the chosen tier; vector work runs on a `cols`-lane vector unit at the
// array's output (TPU-style), reading and writing the SRAMs, spilling to DRAM when a tensor does
// not fit its buffer.
import type { NetworkSummary } from '../../network/layers.js';
import type { SystolicConfig } from '../../space/types.js';
import { type GemmWork, lowerNetwork, type VectorWork } from '../lowering.js';
import { systolicDesignFiles } from '../scalesim-io.js';
import { SimulationInputError, SystolicConfigSchema } from '../schema.js';
import {
  DEFAULT_TECHNOLOGY,
  macAt,
  sramPJPerWord,
  type TechnologyTable,
  weightBitsOf,
} from '../technology.js';
import { networkMetrics } from '../totals.js';
import type {
  AcceleratorMetrics,
  AcceleratorTemplate,
  LayerMetrics,
  OperandCounts,
  SimulationTier,
} from '../types.js';
import { exactLayer } from './exact.js';
import { fastLayer } from './fast.js';
import type { SystolicArray, SystolicLayerResult } from './result.js';

export function systolicArray(c: SystolicConfig): SystolicArray {
  const r = SystolicConfigSchema.safeParse(c);
  if (!r.success)
    throw new SimulationInputError(
      r.error.issues.map((i) => `systolic.${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const a: SystolicArray = {
    rows: c.rows,
    cols: c.cols,
    dataflow: c.dataflow,
    ifmapSramKB: c.ifmapSramKB,
    // The tiers count SRAM in one-byte words of one weight each: 4-bit weights pack two to a byte.
    filterSramKB: (c.filterSramKB * 8) / weightBitsOf(c),
    ofmapSramKB: c.ofmapSramKB,
  };
  if (c.bandwidthWordsPerCycle !== undefined) a.bandwidth = c.bandwidthWordsPerCycle;
  return a;
}

export function systolicArea(c: SystolicConfig, tech: TechnologyTable = DEFAULT_TECHNOLOGY): number {
  const pes = c.rows * c.cols * macAt(weightBitsOf(c), tech).areaUM2 * tech.peOverheadFactor * 1e-6;
  const sram = (c.ifmapSramKB + c.filterSramKB + c.ofmapSramKB) * tech.sramAreaMM2PerKB;
  return pes + sram + tech.fixedAreaMM2;
}

/**
 * Energy of one layer's access counts (pJ). With `weightBits` below 8 a filter read moves
 * weightBits/8 of a byte, from a buffer whose physical size is `a.filterSramKB` × weightBits/8.
 */
export function systolicLayerEnergyPJ(
  r: SystolicLayerResult,
  a: SystolicArray,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
  weightBits = 8,
): number {
  const wb = weightBits / 8;
  const compute = r.macs * (macAt(weightBits, tech).pj + tech.registerAccessesPerMac * tech.registerAccessPJ);
  const sram =
    r.sram.ifmapReads * sramPJPerWord(a.ifmapSramKB, tech) +
    r.sram.filterReads * wb * sramPJPerWord(a.filterSramKB * wb, tech) +
    r.sram.ofmapWrites * sramPJPerWord(a.ofmapSramKB, tech);
  const dram = (r.dram.ifmapReads + r.dram.filterReads * wb + r.dram.ofmapWrites) * tech.dramPJPerWord;
  return compute + sram + dram;
}

/** Exact results by (layer shape, array): a search meets the same pairs again and again. */
const EXACT_CACHE = new Map<string, SystolicLayerResult>();
const EXACT_CACHE_MAX = 20_000;

export function simulateLayer(w: GemmWork, a: SystolicArray, tier: SimulationTier): SystolicLayerResult {
  if (tier !== 'exact') return fastLayer(w.shape, a);
  const s = w.shape;
  const key = [
    s.ifmapH,
    s.ifmapW,
    s.filterH,
    s.filterW,
    s.channels,
    s.numFilters,
    s.strideH,
    s.strideW,
    a.rows,
    a.cols,
    a.dataflow,
    a.ifmapSramKB,
    a.filterSramKB,
    a.ofmapSramKB,
    a.bandwidth ?? 'calc',
  ].join(',');
  const hit = EXACT_CACHE.get(key);
  if (hit) return { ...hit, name: s.name };
  const r = exactLayer(s, a);
  // Oldest entry out first (Map keeps insertion order): a bounded FIFO is enough here.
  if (EXACT_CACHE.size >= EXACT_CACHE_MAX) EXACT_CACHE.delete(EXACT_CACHE.keys().next().value as string);
  EXACT_CACHE.set(key, r);
  return r;
}

function vectorLayer(w: VectorWork, a: SystolicArray, tech: TechnologyTable): LayerMetrics {
  const inWords = a.ifmapSramKB * 1024;
  const outWords = a.ofmapSramKB * 1024;
  const dramReads = w.reads > inWords ? w.reads : 0;
  const dramWrites = w.writes > outWords ? w.writes : 0;
  let cycles = Math.ceil(Math.max(w.ops, w.reads, w.writes) / a.cols);
  let stall = 0;
  if (a.bandwidth !== undefined) {
    const memCycles = Math.ceil(Math.max(dramReads, dramWrites) / a.bandwidth);
    stall = Math.max(0, memCycles - cycles);
    cycles += stall;
  }
  const energy =
    w.ops * tech.vectorOpPJ +
    w.reads * sramPJPerWord(a.ifmapSramKB, tech) +
    w.writes * sramPJPerWord(a.ofmapSramKB, tech) +
    (dramReads + dramWrites) * tech.dramPJPerWord;
  return {
    name: w.name,
    kind: 'vector',
    cycles,
    stallCycles: stall,
    energyPJ: energy,
    utilizationPct: 0,
    count: 1,
    ops: w.ops,
    sram: { ifmapReads: w.reads, filterReads: 0, ofmapWrites: w.writes },
    dram: { ifmapReads: dramReads, filterReads: 0, ofmapWrites: dramWrites },
  };
}

export function simulateSystolic(
  network: NetworkSummary,
  config: SystolicConfig,
  tier: SimulationTier,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): AcceleratorMetrics {
  const a = systolicArray(config);
  // Networks repeat layer shapes (ResNet stages, depthwise copies): simulate each shape once.
  const memo = new Map<string, SystolicLayerResult>();
  const layers: LayerMetrics[] = [];
  let cycles = 0;
  let energy = 0;
  let utilMacs = 0;
  let macs = 0;
  for (const w of lowerNetwork(network)) {
    let lm: LayerMetrics;
    if (w.kind === 'vector') lm = vectorLayer(w, a, tech);
    else {
      const s = w.shape;
      const key = `${s.ifmapH},${s.ifmapW},${s.filterH},${s.filterW},${s.channels},${s.numFilters},${s.strideH},${s.strideW}`;
      let r = memo.get(key);
      if (!r) {
        r = simulateLayer(w, a, tier);
        memo.set(key, r);
      }
      const n = w.count;
      lm = {
        name: w.name,
        kind: 'gemm',
        count: n,
        cycles: r.totalCycles * n,
        stallCycles: r.stallCycles * n,
        energyPJ: systolicLayerEnergyPJ(r, a, tech, weightBitsOf(config)) * n,
        utilizationPct: r.overallUtilPct,
        ops: r.macs * n,
        mappingEfficiencyPct: r.mappingEfficiencyPct,
        computeUtilPct: r.computeUtilPct,
        sram: scale(r.sram, n),
        dram: scale(r.dram, n),
      };
      utilMacs += r.overallUtilPct * r.macs * n;
      macs += r.macs * n;
    }
    layers.push(lm);
    cycles += lm.cycles;
    energy += lm.energyPJ;
  }
  return networkMetrics(
    config,
    tier,
    { cycles, energyPJ: energy, utilMacs, macs },
    systolicArea(config, tech),
    layers,
    tech,
  );
}

function scale(o: OperandCounts, n: number): OperandCounts {
  return { ifmapReads: o.ifmapReads * n, filterReads: o.filterReads * n, ofmapWrites: o.ofmapWrites * n };
}

export const systolicTemplate: AcceleratorTemplate<SystolicConfig> = {
  name: 'systolic',
  area: (c) => systolicArea(c),
  simulate: (network, c, tier) => simulateSystolic(network, c, tier),
  exportFiles: (c, runName, run) => systolicDesignFiles(c, runName, run),
};
