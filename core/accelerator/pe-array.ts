// The `pe-array` template: the NAHAS search template (Zhou et al., "Rethinking co-design of neural
// architectures and hardware accelerators", 2021), an Edge-TPU-like grid of pesX × pesY processing
// elements. Each PE has `computeLanes` lanes of `simdUnits` int8 MACs, a register file (registerFileKB,
// shared by its lanes) and a local memory (localMemoryMB); the chip talks to DRAM at ioBandwidthGBps.
//
// Analytical latency model of one GEMM-like layer (M output pixels, N output channels, K-long
// reduction), a roofline with fill and drain. Each formula, once:
//   P        = pesX·pesY PEs; peak = P·lanes·simd MACs/cycle.
//   compute  = ⌈N/simd⌉ · ⌈M/(P·lanes)⌉ · K
//              SIMD units hold different output channels and share one broadcast input; pixels are
//              spread over PEs and lanes; each lane spends K cycles per output vector. Depthwise
//              layers put channels on SIMD with K = kH·kW (no broadcast: per-channel work).
//   reuse    = a PE keeps a weight tile of simd·K words in its register file. If it fits, each PE
//              reads each weight from local memory once; if not, every lane re-reads simd weights
//              per cycle from a local memory port of simd words/cycle, so
//   local    = compute · lanes   when the tile misses the register file, else 0 (hidden).
//   off-chip = bytes that do not fit on chip (P·localMemory, split half weights, half activations):
//              weights stream from DRAM every inference unless the whole network's weights fit
//              their half; activations (input + output) go through DRAM when they do not fit theirs.
//   memory   = off-chip bytes / (ioBandwidth / clock)   [bytes per cycle]
//   fill     = pesX + pesY cycles to cross the PE grid, plus, when the layer touches DRAM, the first
//              weight tile and input window (simd·K + K bytes) at I/O bandwidth;
//   drain    = pesX + pesY cycles, plus the last output vectors (lanes·simd bytes) when outputs go off-chip.
//   cycles   = max(compute, local, memory) + fill + drain.
// Vector layers run on the same lanes: ⌈ops / peak⌉ cycles, or their DRAM traffic if they spill.
// Energy = MACs·(MAC + 3 register-file accesses at E_sram(RF size)) + local-memory words·E_sram(local
//          size) + DRAM words·E_dram.
// Area = P·(lanes·simd·MAC area·overhead + (local + RF) kB · SRAM area/kB) + fixed.
// Weights of weightBits bits take weightBits/8 of a byte: residency, the register-file tile, DRAM
// and local-memory weight bytes scale by it, and the MAC energy and area follow macAt.
import type { NetworkSummary } from '../network/layers.js';
import type { PeArrayConfig } from '../space/types.js';
import { lowerNetwork } from './lowering.js';
import { PeArrayConfigSchema, SimulationInputError } from './schema.js';
import { outputDims } from './systolic/layer.js';
import {
  DEFAULT_TECHNOLOGY,
  macAt,
  sramPJPerWord,
  type TechnologyTable,
  weightBitsOf,
} from './technology.js';
import { networkMetrics } from './totals.js';
import type { AcceleratorMetrics, LayerMetrics, SimulationTier } from './types.js';

export function peArrayArea(c: PeArrayConfig, tech: TechnologyTable = DEFAULT_TECHNOLOGY): number {
  const macs =
    c.computeLanes * c.simdUnits * macAt(weightBitsOf(c), tech).areaUM2 * tech.peOverheadFactor * 1e-6;
  const mem = (c.localMemoryMB * 1024 + c.registerFileKB) * tech.sramAreaMM2PerKB;
  return c.pesX * c.pesY * (macs + mem) + tech.fixedAreaMM2;
}

/**
 * One layer of the pe-array model with every part its latency and energy are made of (the
 * formulas at the top of this file): what simulatePeArray sums and what the exported per-layer
 * breakdown (pe-array-io.ts) lists.
 */
export interface PeArrayLayer {
  name: string;
  kind: 'gemm' | 'vector';
  /** Identical copies (a depthwise layer's channels), already multiplied in. */
  count: number;
  /** MACs (gemm) or element-wise ops (vector). */
  ops: number;
  /** cycles = max(computeCycles, localMemoryCycles, dramCycles) + fillCycles + drainCycles. */
  cycles: number;
  computeCycles: number;
  /** Local-memory port cycles when the weight tile misses the register file, else 0. */
  localMemoryCycles: number;
  /** Off-chip bytes over the I/O bandwidth. */
  dramCycles: number;
  fillCycles: number;
  drainCycles: number;
  /** Which of the three terms sets the layer's steady-state time. */
  bound: 'compute' | 'local-memory' | 'dram';
  /** energyPJ = macPJ + vectorPJ + localMemoryPJ + dramPJ (in that order of addition). */
  energyPJ: number;
  /** MACs with their register-file accesses (gemm), else 0. */
  macPJ: number;
  /** Element-wise ops (vector), else 0. */
  vectorPJ: number;
  localMemoryPJ: number;
  dramPJ: number;
  /** MACs over (cycles × peak MACs/cycle), %; 0 for vector layers. */
  utilizationPct: number;
  /** Local-memory words: inputs, weights (weightBits/8 of a byte each), outputs. */
  localWords: { inputs: number; weights: number; outputs: number };
  /** Off-chip bytes: activations in, weights, activations out. */
  dramBytes: { inputs: number; weights: number; outputs: number };
}

const boundOf = (compute: number, local: number, memory: number): PeArrayLayer['bound'] =>
  compute >= local && compute >= memory ? 'compute' : local >= memory ? 'local-memory' : 'dram';

function checkedConfig(c: PeArrayConfig): void {
  const checked = PeArrayConfigSchema.safeParse(c);
  if (!checked.success)
    throw new SimulationInputError(
      checked.error.issues.map((i) => `pe-array.${i.path.join('.')}: ${i.message}`).join('; '),
    );
}

/** Every layer of `network` on `c`, part by part (both tiers: the template has one closed form). */
export function peArrayLayers(
  network: NetworkSummary,
  c: PeArrayConfig,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): PeArrayLayer[] {
  checkedConfig(c);
  const P = c.pesX * c.pesY;
  const lanes = c.computeLanes;
  const simd = c.simdUnits;
  const peak = P * lanes * simd;
  const bytesPerCycle = (c.ioBandwidthGBps * 1e9) / (c.clockMHz * 1e6);
  const onChip = P * c.localMemoryMB * 1024 * 1024;
  const rfWords = c.registerFileKB * 1024;
  const eLocal = sramPJPerWord(c.localMemoryMB * 1024, tech);
  // The NAHAS "register file" is 8–128 KB: an access costs like an SRAM of that size, never less than a register.
  const eRf = Math.max(tech.registerAccessPJ, sramPJPerWord(c.registerFileKB, tech));
  const wb = weightBitsOf(c) / 8;
  const eMac = macAt(weightBitsOf(c), tech).pj + tech.registerAccessesPerMac * eRf;
  const grid = c.pesX + c.pesY;
  const work = lowerNetwork(network);
  let netWeights = 0;
  for (const w of work) if (w.kind === 'gemm') netWeights += w.weights;
  const weightsResident = netWeights * wb <= onChip / 2;

  const layers: PeArrayLayer[] = [];
  for (const w of work) {
    if (w.kind === 'vector') {
      const spill = w.reads + w.writes > onChip / 2 ? w.reads + w.writes : 0;
      const compute = Math.ceil(w.ops / peak);
      const memory = Math.ceil(spill / bytesPerCycle);
      const vectorPJ = w.ops * tech.vectorOpPJ;
      const localMemoryPJ = (w.reads + w.writes) * eLocal;
      const dramPJ = spill * tech.dramPJPerWord;
      layers.push({
        name: w.name,
        kind: 'vector',
        count: 1,
        ops: w.ops,
        cycles: Math.max(compute, memory) + grid,
        computeCycles: compute,
        localMemoryCycles: 0,
        dramCycles: memory,
        fillCycles: grid,
        drainCycles: 0,
        bound: boundOf(compute, 0, memory),
        energyPJ: vectorPJ + localMemoryPJ + dramPJ,
        macPJ: 0,
        vectorPJ,
        localMemoryPJ,
        dramPJ,
        utilizationPct: 0,
        localWords: { inputs: w.reads, weights: 0, outputs: w.writes },
        dramBytes: { inputs: spill > 0 ? w.reads : 0, weights: 0, outputs: spill > 0 ? w.writes : 0 },
      });
      continue;
    }
    const s = w.shape;
    const { outH, outW } = outputDims(s);
    const M = outH * outW;
    const depthwise = w.count > 1;
    const N = depthwise ? w.count : s.numFilters;
    const K = s.filterH * s.filterW * s.channels;
    const macs = M * N * K;
    const compute = Math.ceil(N / simd) * Math.ceil(M / (P * lanes)) * K;
    const tileFits = simd * K * wb <= rfWords;
    const local = tileFits ? 0 : Math.ceil(compute * lanes * wb);
    const actIn = s.ifmapH * s.ifmapW * s.channels * (depthwise ? N : 1);
    const actOut = M * N;
    const weights = w.weights;
    const actSpill = actIn + actOut > onChip / 2;
    const offWeights = weightsResident ? 0 : weights * wb;
    const offActs = actSpill ? actIn + actOut : 0;
    const offChip = offWeights + offActs;
    const memory = Math.ceil(offChip / bytesPerCycle);
    const fill = grid + (offChip > 0 ? Math.ceil((simd * K * wb + K) / bytesPerCycle) : 0);
    const drain = grid + (actSpill ? Math.ceil((lanes * simd) / bytesPerCycle) : 0);
    const cyc = Math.max(compute, local, memory) + fill + drain;
    // Local-memory words: inputs once per channel group (broadcast to SIMD), weights once per PE
    // (or once per pixel group on a register-file miss), outputs once.
    const inputReads = M * K * (depthwise ? 1 : Math.ceil(N / simd));
    const weightReads = (tileFits ? P * weights : Math.ceil(M / (P * lanes)) * weights * P) * wb;
    const localWords = inputReads + weightReads + actOut;
    const macPJ = macs * eMac;
    const localMemoryPJ = localWords * eLocal;
    const dramPJ = offChip * tech.dramPJPerWord;
    layers.push({
      name: w.name,
      kind: 'gemm',
      count: w.count,
      ops: macs,
      cycles: cyc,
      computeCycles: compute,
      localMemoryCycles: local,
      dramCycles: memory,
      fillCycles: fill,
      drainCycles: drain,
      bound: boundOf(compute, local, memory),
      energyPJ: macPJ + localMemoryPJ + dramPJ,
      macPJ,
      vectorPJ: 0,
      localMemoryPJ,
      dramPJ,
      utilizationPct: (100 * macs) / (cyc * peak),
      localWords: { inputs: inputReads, weights: weightReads, outputs: actOut },
      dramBytes: { inputs: actSpill ? actIn : 0, weights: offWeights, outputs: actSpill ? actOut : 0 },
    });
  }
  return layers;
}

/** Both tiers use the same closed form: the template has no cycle-level reference to be exact against. */
export function simulatePeArray(
  network: NetworkSummary,
  c: PeArrayConfig,
  tier: SimulationTier,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): AcceleratorMetrics {
  const layers: LayerMetrics[] = [];
  let cycles = 0;
  let energy = 0;
  let utilMacs = 0;
  let allMacs = 0;
  for (const l of peArrayLayers(network, c, tech)) {
    cycles += l.cycles;
    energy += l.energyPJ;
    if (l.kind === 'vector') {
      layers.push({
        name: l.name,
        kind: 'vector',
        count: 1,
        cycles: l.cycles,
        stallCycles: 0,
        energyPJ: l.energyPJ,
        utilizationPct: 0,
        ops: l.ops,
      });
      continue;
    }
    layers.push({
      name: l.name,
      kind: 'gemm',
      count: l.count,
      cycles: l.cycles,
      stallCycles: Math.max(0, Math.max(l.localMemoryCycles, l.dramCycles) - l.computeCycles),
      energyPJ: l.energyPJ,
      utilizationPct: l.utilizationPct,
      ops: l.ops,
      sram: {
        ifmapReads: l.localWords.inputs,
        filterReads: l.localWords.weights,
        ofmapWrites: l.localWords.outputs,
      },
      dram: {
        ifmapReads: l.dramBytes.inputs,
        filterReads: l.dramBytes.weights,
        ofmapWrites: l.dramBytes.outputs,
      },
    });
    utilMacs += l.utilizationPct * l.ops;
    allMacs += l.ops;
  }
  return networkMetrics(
    c,
    tier,
    { cycles, energyPJ: energy, utilMacs, macs: allMacs },
    peArrayArea(c, tech),
    layers,
    tech,
  );
}
