// The fast tier's DRAM estimates against the exact tier on mid-sized layers whose operands do not
// fit the SRAM window (so the tumbling window matters). Guards the estimates from regressing.
import { describe, expect, it } from 'vitest';
import { exactLayer } from '../../../core/accelerator/systolic/exact.js';
import { fastLayer } from '../../../core/accelerator/systolic/fast.js';
import type { ConvShape } from '../../../core/accelerator/systolic/layer.js';

const conv = (name: string, h: number, c: number, n: number, k: number, s: number): ConvShape => ({
  name,
  ifmapH: h,
  ifmapW: h,
  filterH: k,
  filterW: k,
  channels: c,
  numFilters: n,
  strideH: s,
  strideW: s,
});

const LAYERS = [
  conv('3x3', 30, 32, 32, 3, 1),
  conv('3x3s2', 29, 32, 64, 3, 2),
  conv('1x1', 28, 64, 64, 1, 1),
  conv('deep', 9, 128, 128, 3, 1),
  conv('stem', 67, 3, 16, 7, 2),
];

describe('fast tier DRAM estimates', () => {
  for (const dataflow of ['os', 'ws', 'is'] as const) {
    it(`${dataflow}: layer totals within 25% of exact, cycles exact`, () => {
      const a = { rows: 16, cols: 16, dataflow, ifmapSramKB: 8, filterSramKB: 8, ofmapSramKB: 8 };
      let fast = 0;
      let exact = 0;
      for (const l of LAYERS) {
        const f = fastLayer(l, a);
        const e = exactLayer(l, a);
        expect(f.totalCycles).toBe(e.totalCycles);
        const fSum = f.dram.ifmapReads + f.dram.filterReads + f.dram.ofmapWrites;
        const eSum = e.dram.ifmapReads + e.dram.filterReads + e.dram.ofmapWrites;
        expect(Math.abs(fSum - eSum) / eSum, `${l.name}`).toBeLessThan(0.5);
        fast += fSum;
        exact += eSum;
      }
      expect(Math.abs(fast - exact) / exact).toBeLessThan(0.25);
    });
  }
});
