// The exact tier's closed forms and event-skipping against the trace model (trace.ts), which
// steps through SCALE-Sim's demand rows one by one and matches SCALE-Sim's own output on the
// golden files. Small SRAMs make the tumbling window end many epochs, inside folds too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLayer, userReadsInWindow } from '../../../core/accelerator/systolic/exact.js';
import { foldsOf } from '../../../core/accelerator/systolic/folds.js';
import { type ConvShape, computeReport } from '../../../core/accelerator/systolic/layer.js';
import { OfmapSchedule, runOfmap } from '../../../core/accelerator/systolic/ofmap.js';
import type { SystolicArray } from '../../../core/accelerator/systolic/result.js';
import { traceLayer } from '../../../core/accelerator/systolic/trace.js';

const layerArb = (maxSide: number, maxC: number): fc.Arbitrary<ConvShape> =>
  fc
    .record({
      h: fc.integer({ min: 1, max: maxSide }),
      w: fc.integer({ min: 1, max: maxSide }),
      fh: fc.integer({ min: 1, max: 5 }),
      fw: fc.integer({ min: 1, max: 5 }),
      c: fc.integer({ min: 1, max: maxC }),
      n: fc.integer({ min: 1, max: 40 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
    })
    .map((r) => ({
      name: 'p',
      ifmapH: r.h,
      ifmapW: r.w,
      filterH: Math.min(r.fh, r.h),
      filterW: Math.min(r.fw, r.w),
      channels: r.c,
      numFilters: r.n,
      strideH: r.sh,
      strideW: r.sw,
    }));

const arrayArb: fc.Arbitrary<SystolicArray> = fc.record({
  rows: fc.integer({ min: 1, max: 16 }),
  cols: fc.integer({ min: 1, max: 16 }),
  dataflow: fc.constantFrom('os' as const, 'ws' as const, 'is' as const),
  ifmapSramKB: fc.integer({ min: 1, max: 6 }),
  filterSramKB: fc.integer({ min: 1, max: 4 }),
  ofmapSramKB: fc.integer({ min: 1, max: 8 }),
});

const conv = (h: number, c: number, n: number, k: number, s: number): ConvShape => ({
  name: 'c',
  ifmapH: h,
  ifmapW: h,
  filterH: k,
  filterW: k,
  channels: c,
  numFilters: n,
  strideH: s,
  strideW: s,
});

describe('exact tier = trace model (CALC)', () => {
  it('on every field of random small layers, arrays and SRAMs', () => {
    fc.assert(
      fc.property(layerArb(24, 40), arrayArb, fc.boolean(), (l, a, naive) => {
        const o = { pythonSum: naive ? ('naive' as const) : ('compensated' as const) };
        expect(exactLayer(l, a, o)).toEqual(traceLayer(l, a, o));
      }),
      { numRuns: 400, seed: 21 },
    );
  });

  it('on mid-sized layers whose folds hold several epochs (all-distinct, overlapping and holed reads)', () => {
    const cases: Array<[ConvShape, Partial<SystolicArray>]> = [
      [conv(30, 32, 24, 3, 1), { rows: 16, cols: 16 }],
      [conv(29, 16, 24, 3, 2), { rows: 8, cols: 12 }],
      [conv(28, 64, 16, 1, 1), { rows: 16, cols: 8 }],
      [conv(56, 4, 8, 1, 2), { rows: 4, cols: 16 }],
      [conv(23, 3, 16, 7, 2), { rows: 16, cols: 16 }],
      [conv(9, 96, 32, 3, 1), { rows: 16, cols: 16 }],
    ];
    for (const [l, shape] of cases)
      for (const dataflow of ['os', 'ws', 'is'] as const) {
        const a: SystolicArray = {
          rows: 8,
          cols: 8,
          ifmapSramKB: 2,
          filterSramKB: 1,
          ofmapSramKB: 1,
          ...shape,
          dataflow,
        };
        expect(exactLayer(l, a), `${JSON.stringify(l)} ${dataflow}`).toEqual(traceLayer(l, a));
      }
  });

  it('a single-pixel os fold after a whole-fold one in the same epoch (a regression)', () => {
    const l: ConvShape = { ...conv(4, 8, 34, 4, 3), ifmapW: 16, filterW: 5 };
    const a: SystolicArray = {
      rows: 2,
      cols: 5,
      dataflow: 'os',
      ifmapSramKB: 1,
      filterSramKB: 4,
      ofmapSramKB: 5,
    };
    expect(exactLayer(l, a)).toEqual(traceLayer(l, a));
  });
});

describe('exact tier = trace model (USER)', () => {
  it('on every field, whether the read operands fit their active windows (no row walk) or not', () => {
    let fit = 0;
    let walked = 0;
    fc.assert(
      fc.property(
        layerArb(16, 24),
        arrayArb,
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 64 }),
        (l, a0, bw, kB) => {
          // SRAMs from 1 to 64 kB: small layers often fit half of one (the closed-form path).
          const a = { ...a0, ifmapSramKB: kB, filterSramKB: kB, bandwidth: bw };
          if (userReadsInWindow(l, a)) fit++;
          else walked++;
          expect(exactLayer(l, a)).toEqual(traceLayer(l, a));
        },
      ),
      { numRuns: 300, seed: 9 },
    );
    // Both paths ran.
    expect(fit).toBeGreaterThan(50);
    expect(walked).toBeGreaterThan(20);
  });

  it('the trace skips only folds whose reads all hit: the same as walking every fold', () => {
    fc.assert(
      fc.property(layerArb(20, 32), arrayArb, fc.integer({ min: 1, max: 24 }), (l, a0, bw) => {
        const a = { ...a0, bandwidth: bw };
        expect(traceLayer(l, a)).toEqual(traceLayer(l, a, {}, true));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

/** README §8 write by write: the reference for the event-driven write buffer. */
function writeByWrite(s: OfmapSchedule, kB: number, bw: number) {
  const Z = kB * 1024;
  const active = Math.ceil(Z / 2);
  const perDrain = Math.ceil((Z - active) / bw);
  let free = Z;
  const lines: number[] = [];
  let fill = 0;
  let from = 0;
  let drainEnd = 0;
  let writes = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let stalls = 0;
  let sramStart = Number.NaN;
  let sramStop = Number.NaN;
  const drain = (start: number) => {
    if (fill > 0) lines.push(fill);
    fill = 0;
    const n = Math.min(perDrain, lines.length - from);
    const data = (n - 1) * bw + (lines[from + n - 1] as number);
    writes += data;
    free += data;
    from += n;
    if (Number.isNaN(first)) first = start;
    last = start + n - 1;
    return last;
  };
  for (let g = 0; g < s.rows; g++) {
    const n = s.before(g + 1) - s.before(g);
    let cur = g + stalls;
    const issued = cur;
    for (let i = 0; i < n; i++) {
      free--;
      if (++fill === bw) {
        lines.push(bw);
        fill = 0;
      }
      if (cur < drainEnd) {
        if (free <= 0) cur = drainEnd;
      } else if (free < active) drainEnd = drain(cur);
    }
    stalls += cur - issued;
    if (n > 0) {
      if (Number.isNaN(sramStart)) sramStart = cur;
      sramStop = cur;
    }
  }
  const total = s.rows - 1 + stalls;
  if (fill > 0) lines.push(fill);
  fill = 0;
  let c = total;
  while (from < lines.length) c = drain(c) + 1;
  return {
    total,
    stalls,
    writes,
    dram: { start: first, stop: last },
    sram: { start: sramStart, stop: sramStop },
  };
}

describe('event-driven write buffer', () => {
  it('matches README §8 write by write, stalls included (drain bandwidth below the array width)', () => {
    fc.assert(
      fc.property(
        layerArb(16, 16),
        arrayArb,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        (l, a, bw, kB) => {
          const rep = computeReport(l, a);
          const s = new OfmapSchedule(rep, a, foldsOf(rep, a));
          const got = runOfmap(s, kB, bw);
          const want = writeByWrite(s, kB, bw);
          expect({
            total: got.totalCycles,
            stalls: got.stalls.total,
            writes: got.dramWrites,
            dram: got.dram,
            sram: got.sram,
          }).toEqual(want);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('stalls when the drain is slower than the array', () => {
    const l = conv(12, 8, 32, 3, 1);
    const a: SystolicArray = {
      rows: 8,
      cols: 16,
      dataflow: 'ws',
      ifmapSramKB: 8,
      filterSramKB: 8,
      ofmapSramKB: 1,
    };
    const rep = computeReport(l, a);
    const r = runOfmap(new OfmapSchedule(rep, a, foldsOf(rep, a)), 1, 2);
    expect(r.stalls.total).toBeGreaterThan(0);
    expect(r.totalCycles).toBe(rep.computeCycles + r.stalls.total);
  });
});
