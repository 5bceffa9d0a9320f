import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLayer } from '../../../core/accelerator/systolic/exact.js';
import { fastLayer } from '../../../core/accelerator/systolic/fast.js';
import { type ConvShape, gemmOf, mapGemm } from '../../../core/accelerator/systolic/layer.js';
import type { SystolicArray } from '../../../core/accelerator/systolic/result.js';

// Small layers and arrays so the exact tier stays fast under many runs.
const layerArb: fc.Arbitrary<ConvShape> = fc
  .record({
    ifmapH: fc.integer({ min: 1, max: 12 }),
    ifmapW: fc.integer({ min: 1, max: 12 }),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    channels: fc.integer({ min: 1, max: 6 }),
    numFilters: fc.integer({ min: 1, max: 20 }),
    strideH: fc.integer({ min: 1, max: 3 }),
    strideW: fc.integer({ min: 1, max: 3 }),
  })
  .map((r) => ({
    name: 'p',
    ifmapH: r.ifmapH,
    ifmapW: r.ifmapW,
    filterH: Math.min(r.fh, r.ifmapH),
    filterW: Math.min(r.fw, r.ifmapW),
    channels: r.channels,
    numFilters: r.numFilters,
    strideH: r.strideH,
    strideW: r.strideW,
  }));

const arrayArb: fc.Arbitrary<SystolicArray> = fc.record({
  rows: fc.integer({ min: 1, max: 12 }),
  cols: fc.integer({ min: 1, max: 12 }),
  dataflow: fc.constantFrom('os' as const, 'ws' as const, 'is' as const),
  ifmapSramKB: fc.integer({ min: 1, max: 64 }),
  filterSramKB: fc.integer({ min: 1, max: 64 }),
  ofmapSramKB: fc.integer({ min: 1, max: 64 }),
});

const OPTS = { numRuns: 60, seed: 4 };

describe('systolic properties', () => {
  it('CALC: total cycles = folds × fold length − 1, in both tiers', () => {
    fc.assert(
      fc.property(layerArb, arrayArb, (l, a) => {
        const m = mapGemm(gemmOf(l), a);
        const want = m.folds * m.foldLength - 1;
        expect(exactLayer(l, a).totalCycles).toBe(want);
        expect(fastLayer(l, a).totalCycles).toBe(want);
      }),
      OPTS,
    );
  });

  it('USER: total = CALC total + stall cycles', () => {
    fc.assert(
      fc.property(layerArb, arrayArb, fc.integer({ min: 1, max: 16 }), (l, a, bw) => {
        const calc = exactLayer(l, a);
        const user = exactLayer(l, { ...a, bandwidth: bw });
        expect(user.stallCycles).toBeGreaterThanOrEqual(0);
        expect(user.totalCycles).toBe(calc.totalCycles + user.stallCycles);
        const f = fastLayer(l, { ...a, bandwidth: bw });
        expect(f.totalCycles).toBe(calc.totalCycles + f.stallCycles);
      }),
      OPTS,
    );
  });

  it('CALC: cycles do not depend on SRAM sizes', () => {
    fc.assert(
      fc.property(layerArb, arrayArb, arrayArb, (l, a, b) => {
        const other = {
          ...a,
          ifmapSramKB: b.ifmapSramKB,
          filterSramKB: b.filterSramKB,
          ofmapSramKB: b.ofmapSramKB,
        };
        const x = exactLayer(l, a);
        const y = exactLayer(l, other);
        expect(y.totalCycles).toBe(x.totalCycles);
        expect(y.stallCycles).toBe(0);
        expect(y.sram).toEqual(x.sram);
      }),
      OPTS,
    );
  });

  it('utilizations lie in [0, 100] and DRAM reads cover each distinct operand word at least once', () => {
    fc.assert(
      fc.property(
        layerArb,
        arrayArb,
        fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
        (l, a, bw) => {
          const arr = bw === undefined ? a : { ...a, bandwidth: bw };
          for (const r of [exactLayer(l, arr), fastLayer(l, arr)]) {
            for (const u of [r.overallUtilPct, r.mappingEfficiencyPct, r.computeUtilPct]) {
              expect(u).toBeGreaterThanOrEqual(0);
              expect(u).toBeLessThanOrEqual(100);
            }
          }
          if (bw === undefined) {
            const g = gemmOf(l);
            expect(exactLayer(l, arr).dram.filterReads).toBeGreaterThanOrEqual(g.K * g.N);
          }
        },
      ),
      OPTS,
    );
  });
});
