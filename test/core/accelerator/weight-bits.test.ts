import { describe, expect, it } from 'vitest';
import {
  acceleratorArea,
  DEFAULT_TECHNOLOGY,
  INTEGER_DATAPATH,
  macAt,
  parseScaleSimCfg,
  simulateNetwork,
  toScaleSimCfg,
} from '../../../core/accelerator/index.js';
import { summarizeNetwork } from '../../../core/network/summary.js';
import type { NetworkArch } from '../../../core/space/types.js';
import { PE_ARRAY, SYSTOLIC, tinyNetwork } from './fixtures.js';

/** Enough weights (about 60 k) that weight buffers and DRAM matter. */
const WIDE: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 32,
  stages: [
    { block: 'conv', kernel: 3, filters: 64, layers: 2, squeezeExcite: false, stride: 2 },
    {
      block: 'fused-mbconv',
      kernel: 3,
      expansion: 3,
      filters: 48,
      layers: 1,
      squeezeExcite: false,
      stride: 2,
    },
  ],
};
const wide = summarizeNetwork(WIDE, [16, 16, 3], 10);

describe('weight bit width', () => {
  it('a MAC with 8-bit weights is the table; 4-bit halves the multiplier, not the accumulator', () => {
    expect(macAt(8)).toEqual({ pj: DEFAULT_TECHNOLOGY.macPJ, areaUM2: DEFAULT_TECHNOLOGY.macAreaUM2 });
    // Horowitz 45 nm: 0.2 pJ / 282 µm² multiplier + 0.1 pJ / 137 µm² adder.
    expect(macAt(4).pj).toBeCloseTo(0.1 + 0.1, 12);
    expect(macAt(4).areaUM2).toBeCloseTo(141 + 137, 9);
    expect(INTEGER_DATAPATH).toEqual({ systolic: true, 'pe-array': true });
  });

  for (const [name, base] of [
    ['systolic', SYSTOLIC],
    ['pe-array', PE_ARRAY],
  ] as const) {
    it(`${name}: weightBits 8 is the default exactly; 4 costs less area and energy, same latency or less`, () => {
      for (const tier of ['fast', 'exact'] as const) {
        const def = simulateNetwork(tinyNetwork(), base, tier);
        expect(simulateNetwork(tinyNetwork(), { ...base, weightBits: 8 }, tier)).toEqual(def);
        const w4 = simulateNetwork(tinyNetwork(), { ...base, weightBits: 4 }, tier);
        expect(w4.areaMM2).toBeLessThan(def.areaMM2);
        expect(w4.energyMJ).toBeLessThan(def.energyMJ);
        expect(w4.latencyCycles).toBeLessThanOrEqual(def.latencyCycles);
      }
      expect(acceleratorArea({ ...base, weightBits: 4 })).toBeLessThan(acceleratorArea(base));
    });
  }

  it('systolic: a filter SRAM of 4-bit weights holds what one twice its size holds at 8 bits', () => {
    const small = { ...SYSTOLIC, filterSramKB: 4, bandwidthWordsPerCycle: 8 };
    for (const tier of ['fast', 'exact'] as const) {
      const w4 = simulateNetwork(wide, { ...small, weightBits: 4 }, tier);
      const w8Twice = simulateNetwork(wide, { ...small, filterSramKB: 8 }, tier);
      const w8 = simulateNetwork(wide, small, tier);
      expect(w4.latencyCycles).toBe(w8Twice.latencyCycles);
      expect(w4.layers.map((l) => l.dram)).toEqual(w8Twice.layers.map((l) => l.dram));
      // The smaller buffer does cost at 8 bits, so the test can tell the two apart.
      const filterDram = (m: typeof w8) => m.layers.reduce((s, l) => s + (l.dram?.filterReads ?? 0), 0);
      expect(filterDram(w8)).toBeGreaterThan(filterDram(w8Twice));
    }
  });

  it('systolic: the exported SCALE-Sim config reproduces a 4-bit array with the 8-bit buffer of equal capacity', () => {
    const c = { ...SYSTOLIC, filterSramKB: 4, weightBits: 4 } as const;
    const cfg = parseScaleSimCfg(toScaleSimCfg(c)).config;
    expect(cfg.filterSramKB).toBe(8);
    expect(simulateNetwork(wide, cfg, 'exact').arrayCycles).toBe(
      simulateNetwork(wide, c, 'exact').arrayCycles,
    );
  });

  it('pe-array: weights that spill to DRAM at 8 bits stay resident at 4 bits', () => {
    // Half of the local memory (the weights' half) holds 3/4 of the network's parameters.
    const pe = { ...PE_ARRAY, pesX: 1, pesY: 1, localMemoryMB: (2 * 0.75 * wide.params) / 2 ** 20 } as const;
    const filterDram = (m: ReturnType<typeof simulateNetwork>) =>
      m.layers.reduce((s, l) => s + (l.dram?.filterReads ?? 0), 0);
    expect(filterDram(simulateNetwork(wide, pe, 'fast'))).toBeGreaterThan(0);
    expect(filterDram(simulateNetwork(wide, { ...pe, weightBits: 4 }, 'fast'))).toBe(0);
  });
});
