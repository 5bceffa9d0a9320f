import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLayer } from '../../../core/accelerator/systolic/exact.js';
import { fastLayer } from '../../../core/accelerator/systolic/fast.js';
import {
  type ConvShape,
  gemmOf,
  ifmapFootprint,
  inputSpan,
  mapGemm,
  outputDims,
} from '../../../core/accelerator/systolic/layer.js';
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

/** Distinct valid im2col addresses, by enumeration (README §1): the reference for ifmapFootprint. */
function distinctIfmap(l: ConvShape): number {
  const { outH, outW } = outputDims(l);
  const seen = new Set<number>();
  for (let oh = 0; oh < outH; oh++)
    for (let ow = 0; ow < outW; ow++)
      for (let r = 0; r < l.filterH; r++)
        for (let t = 0; t < l.filterW; t++) {
          const y = oh * l.strideH + r;
          const x = ow * l.strideW + t;
          if (y < l.ifmapH && x < l.ifmapW)
            for (let c = 0; c < l.channels; c++) seen.add((y * l.ifmapW + x) * l.channels + c);
        }
  return seen.size;
}

describe('ifmap footprint', () => {
  it("SCALE-Sim's extra rounding window reads nothing on a 56-wide 1×1 stride-2 map", () => {
    expect(outputDims({ ...layer56(), strideH: 2, strideW: 2 }).outH).toBe(29);
    expect(inputSpan(29, 1, 2, 56)).toBe(28);
    expect(ifmapFootprint({ ...layer56(), strideH: 2, strideW: 2 })).toBe(28 * 28 * 16);
    // A 2×2 window at stride 3 on 22: 7 whole windows, the 8th clipped to one row.
    expect(inputSpan(8, 2, 3, 22)).toBe(15);
  });

  it('equals the distinct valid addresses of the im2col matrix', () => {
    fc.assert(
      fc.property(layerArb, (l) => {
        expect(ifmapFootprint(l)).toBe(distinctIfmap(l));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

function layer56(): ConvShape {
  return {
    name: 'pw',
    ifmapH: 56,
    ifmapW: 56,
    filterH: 1,
    filterW: 1,
    channels: 16,
    numFilters: 32,
    strideH: 1,
    strideW: 1,
  };
}

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
