// What the pe-array (NAHAS) template exports for one design, the counterpart of scalesim-io.ts's
// SCALE-Sim files: `pe-array.json`, the configuration with every field documented and the
// figures derived from it, and `layers.json`, the per-layer breakdown of latency and energy
// (every term of the model in pe-array.ts, so a hardware engineer can see which layers are
// compute-, local-memory- or DRAM-bound and where the energy goes).
import type { NetworkSummary } from '../network/layers.js';
import type { PeArrayConfig } from '../space/types.js';
import { type PeArrayLayer, peArrayArea, peArrayLayers } from './pe-array.js';
import {
  DEFAULT_TECHNOLOGY,
  macAt,
  type TechnologyTable,
  technologyTableHash,
  weightBitsOf,
} from './technology.js';
import type { AcceleratorMetrics, DesignFile, DesignRun, SimulationTier } from './types.js';

export const PE_ARRAY_FORMAT = 'cosearch-pe-array/1';

/** Each configuration field: its unit and what the model (pe-array.ts) does with it. */
export const PE_ARRAY_FIELDS: Readonly<Record<keyof Omit<PeArrayConfig, 'template'>, string>> = Object.freeze(
  {
    pesX: 'PEs along x (count). The chip is a pesX × pesY grid of PEs; a layer fills it in pesX + pesY cycles and drains in as many.',
    pesY: 'PEs along y (count); the grid has pesX × pesY PEs, each with its lanes, register file and local memory.',
    simdUnits:
      'int8 MAC units per compute lane (count). They hold different output channels and share one broadcast input; a layer runs ⌈N / simdUnits⌉ channel groups.',
    computeLanes:
      'compute lanes per PE (count). Output pixels are spread over all PEs × lanes; each lane spends K (the reduction length) cycles per output vector.',
    localMemoryMB:
      'local memory per PE (MB; 1 MB = 2^20 bytes). On chip in total: PEs × localMemoryMB, half for weights (resident across layers when the whole network fits), half for activations (a layer whose input + output do not fit goes through DRAM).',
    registerFileKB:
      "register file per PE, shared by its lanes (KB; 1 KB = 1024 bytes). When a layer's weight tile (simdUnits × K weights) fits, each weight is read from local memory once per PE; otherwise every lane re-reads its weights from a local-memory port of simdUnits words per cycle.",
    ioBandwidthGBps:
      'chip to DRAM bandwidth (GB/s, 10^9 bytes per second): off-chip bytes / (GB/s ÷ clock) cycles.',
    weightBits:
      'bits per weight, 8 or 4 (absent: 8). Activations are 8-bit and accumulation 32-bit; 4-bit weights halve weight storage and traffic and shrink the multiplier (technology.ts macAt).',
    clockMHz: 'clock (MHz): latency in ms = cycles / (clockMHz × 1000).',
  },
);

/** Figures that follow from a configuration alone. */
export interface PeArrayDerived {
  pes: number;
  /** pes × computeLanes × simdUnits. */
  peakMacsPerCycle: number;
  /** 2 ops per MAC at the clock, 10^12 ops/s. */
  peakTops: number;
  onChipMB: number;
  registerFileKBTotal: number;
  ioBytesPerCycle: number;
  areaMM2: number;
  /** areaMM2 = macsMM2 + memoryMM2 + fixedMM2 (up to float rounding). */
  area: { macsMM2: number; memoryMM2: number; fixedMM2: number };
}

export function peArrayDerived(c: PeArrayConfig, tech: TechnologyTable = DEFAULT_TECHNOLOGY): PeArrayDerived {
  const pes = c.pesX * c.pesY;
  const peak = pes * c.computeLanes * c.simdUnits;
  const macsMM2 = peak * macAt(weightBitsOf(c), tech).areaUM2 * tech.peOverheadFactor * 1e-6;
  const memoryMM2 = pes * (c.localMemoryMB * 1024 + c.registerFileKB) * tech.sramAreaMM2PerKB;
  return {
    pes,
    peakMacsPerCycle: peak,
    peakTops: (2 * peak * c.clockMHz * 1e6) / 1e12,
    onChipMB: pes * c.localMemoryMB,
    registerFileKBTotal: pes * c.registerFileKB,
    ioBytesPerCycle: (c.ioBandwidthGBps * 1e9) / (c.clockMHz * 1e6),
    areaMM2: peArrayArea(c, tech),
    area: { macsMM2, memoryMM2, fixedMM2: tech.fixedAreaMM2 },
  };
}

/** The exported configuration: `accelerator` is exactly what `cosearch simulate --accelerator` takes. */
export interface PeArrayConfigFile {
  format: typeof PE_ARRAY_FORMAT;
  runName: string;
  accelerator: PeArrayConfig;
  fields: typeof PE_ARRAY_FIELDS;
  derived: PeArrayDerived;
  technology: { name: string; hash: string };
  note: string;
}

export function toPeArrayConfigFile(
  config: PeArrayConfig,
  runName = 'cosearch',
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): PeArrayConfigFile {
  return {
    format: PE_ARRAY_FORMAT,
    runName,
    accelerator: config,
    fields: PE_ARRAY_FIELDS,
    derived: peArrayDerived(config, tech),
    technology: { name: tech.name, hash: technologyTableHash(tech) },
    note: 'The NAHAS PE-array template (Zhou et al. 2021) as cosearch models it: core/accelerator/pe-array.ts gives every formula. `accelerator` alone is the configuration (`jq .accelerator pe-array.json` for `cosearch simulate --accelerator`); `fields` documents it; `derived` and `technology` follow from it.',
  };
}

/** One layer of layers.json: the model's terms (pe-array.ts) with the latency in ms. */
export type PeArrayLayerRow = PeArrayLayer & { latencyMs: number };

export interface PeArrayBreakdown {
  format: typeof PE_ARRAY_FORMAT;
  tier: SimulationTier;
  clockMHz: number;
  technology: { name: string; hash: string };
  /** The simulated network's totals: latencyCycles = arrayCycles + vectorCycles = Σ layers' cycles. */
  totals: {
    latencyCycles: number;
    latencyMs: number;
    arrayCycles: number;
    vectorCycles: number;
    energyMJ: number;
    /** Σ over layers of each energy term, pJ. */
    energyPJ: { mac: number; vector: number; localMemory: number; dram: number };
    /** Layers whose steady-state time is set by each term. */
    boundLayers: Record<PeArrayLayer['bound'], number>;
  };
  layers: PeArrayLayerRow[];
  note: string;
}

/**
 * The per-layer breakdown of `network` on `config`: the same layers simulatePeArray sums, so the
 * totals equal `metrics` (the simulation the search recorded).
 */
export function peArrayBreakdown(
  network: NetworkSummary,
  config: PeArrayConfig,
  metrics: AcceleratorMetrics,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): PeArrayBreakdown {
  const layers = peArrayLayers(network, config, tech).map((l) => ({
    ...l,
    latencyMs: l.cycles / (config.clockMHz * 1e3),
  }));
  const energyPJ = { mac: 0, vector: 0, localMemory: 0, dram: 0 };
  const boundLayers = { compute: 0, 'local-memory': 0, dram: 0 };
  for (const l of layers) {
    energyPJ.mac += l.macPJ;
    energyPJ.vector += l.vectorPJ;
    energyPJ.localMemory += l.localMemoryPJ;
    energyPJ.dram += l.dramPJ;
    boundLayers[l.bound]++;
  }
  return {
    format: PE_ARRAY_FORMAT,
    tier: metrics.tier,
    clockMHz: config.clockMHz,
    technology: { name: tech.name, hash: technologyTableHash(tech) },
    totals: {
      latencyCycles: metrics.latencyCycles,
      latencyMs: metrics.latencyMs,
      arrayCycles: metrics.arrayCycles,
      vectorCycles: metrics.vectorCycles,
      energyMJ: metrics.energyMJ,
      energyPJ,
      boundLayers,
    },
    layers,
    note: 'Per layer: cycles = max(computeCycles, localMemoryCycles, dramCycles) + fillCycles + drainCycles; energyPJ = macPJ + vectorPJ + localMemoryPJ + dramPJ. gemm layers run on the MAC lanes (count > 1: a depthwise layer, its channels on SIMD), vector layers (batch-norm, activations, pooling, adds, softmax) on the same lanes. The formulas are in core/accelerator/pe-array.ts.',
  };
}

/** The pe-array template's export: pe-array.json always; with the network, layers.json. */
export function peArrayDesignFiles(
  config: PeArrayConfig,
  runName: string,
  run?: DesignRun,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): DesignFile[] {
  const json = (x: unknown) => `${JSON.stringify(x, null, 1)}\n`;
  const files: DesignFile[] = [
    {
      name: 'pe-array.json',
      content: json(toPeArrayConfigFile(config, runName, tech)),
      title: 'PE-array configuration, documented (JSON)',
    },
  ];
  if (run)
    files.push({
      name: 'layers.json',
      content: json(peArrayBreakdown(run.network, config, run.metrics, tech)),
      title: 'per-layer latency and energy breakdown (JSON)',
    });
  return files;
}
