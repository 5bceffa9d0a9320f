// Bounds on every simulator input (issue #19): one schema for the CLI's files and the engine's
// candidates. Each probe below used to hang, throw a RangeError or exhaust the heap.
import { describe, expect, it } from 'vitest';
import { simulateNetwork } from '../../../core/accelerator/index.js';
import {
  parseScaleSimCfg,
  parseTopologyCsv,
  ScaleSimInputError,
  toScaleSimCfg,
} from '../../../core/accelerator/scalesim-io.js';
import {
  ConvShapeSchema,
  SIMULATOR_LIMITS,
  SimulationInputError,
  workProblems,
} from '../../../core/accelerator/schema.js';
import { exactLayer } from '../../../core/accelerator/systolic/exact.js';
import { PeArraySpace, SystolicSpace } from '../../../core/spec/schema.js';
import { PE_ARRAY, SYSTOLIC, tinyNetwork } from './fixtures.js';

const HEADER =
  'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,';

function scaleSimError(f: () => unknown): ScaleSimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScaleSimInputError) return e;
    throw e;
  }
  throw new Error('expected a ScaleSimInputError');
}

describe('simulator limits', () => {
  it('a .cfg array dimension of 1e20 is refused with its key and line', () => {
    for (const v of ['100000000000000000000', '5000']) {
      const e = scaleSimError(() =>
        parseScaleSimCfg(toScaleSimCfg(SYSTOLIC).replace(/ArrayHeight:\s+\d+/, `ArrayHeight: ${v}`), 'a.cfg'),
      );
      expect(e.field).toBe('ArrayHeight');
      expect(e.line).toBe(5);
      expect(e.message).toMatch(/a\.cfg:5 \(ArrayHeight\): .*4096/);
    }
    const sram = scaleSimError(() =>
      parseScaleSimCfg(toScaleSimCfg(SYSTOLIC).replace(/OfmapSramSzkB:\s+\d+/, 'OfmapSramSzkB: 2000000')),
    );
    expect(sram.field).toBe('OfmapSramSzkB');
  });

  it('topology dimensions of 1e20 or 100,000 are refused with line and column', () => {
    for (const [row, column] of [
      ['big, 100000000000000000000, 8, 1, 1, 1, 1, 1,', 'IFMAP Height'],
      ['wide, 8, 100000, 1, 1, 1, 1, 1,', 'IFMAP Width'],
      ['deep, 8, 8, 1, 1, 100000, 1, 1,', 'Channels'],
    ] as const) {
      const e = scaleSimError(() =>
        parseTopologyCsv(`${HEADER}\nok, 4, 4, 1, 1, 1, 1, 1,\n${row}\n`, { file: 't.csv' }),
      );
      expect(e.line).toBe(3);
      expect(e.field).toBe(column);
    }
  });

  it('an 80-byte topology whose operands would fill the heap is refused', () => {
    const text = `${HEADER}\nx, 60000, 60000, 1, 1, 60000, 1, 1,\n`;
    expect(text.length).toBeLessThan(200);
    const e = scaleSimError(() => parseTopologyCsv(text));
    expect(e.field).toBe('IFMAP Height');
    expect(e.message).toMatch(/ifmap H·W·C = \d+ words is over the simulator's limit/);
    const gemm = scaleSimError(() =>
      parseTopologyCsv('Layer, M, N, K,\ng, 60000, 60000, 60000,\n', { gemm: true }),
    );
    expect(['M', 'N', 'K']).toContain(gemm.field);
  });

  it('the exact tier refuses a layer whose folds would take too long on the array, naming the layer', () => {
    const l = {
      name: 'huge',
      ifmapH: 2048,
      ifmapW: 2048,
      filterH: 1,
      filterW: 1,
      channels: 1,
      numFilters: 16,
      strideH: 1,
      strideW: 1,
    };
    expect(ConvShapeSchema.safeParse(l).success).toBe(true);
    const a = {
      rows: 1,
      cols: 1,
      dataflow: 'os' as const,
      ifmapSramKB: 64,
      filterSramKB: 64,
      ofmapSramKB: 64,
    };
    expect(workProblems(l, a).join()).toMatch(/folds/);
    expect(() => exactLayer(l, a)).toThrow(SimulationInputError);
    expect(() => exactLayer(l, a)).toThrow(/layer huge: .*folds/);
    // USER mode steps through every demand row: bounded too.
    const user = { ...a, rows: 64, cols: 64, bandwidth: 4 };
    expect(
      workProblems({ ...l, channels: 512, numFilters: 1024, ifmapH: 512, ifmapW: 256 }, user).join(),
    ).toMatch(/USER mode/);
  });

  it('the engine path (simulateNetwork) checks the same schema', () => {
    expect(() => simulateNetwork(tinyNetwork(), { ...SYSTOLIC, rows: 10_000 })).toThrow(/systolic\.rows/);
    expect(() => simulateNetwork(tinyNetwork(), { ...PE_ARRAY, pesX: 0 })).toThrow(/pe-array\.pesX/);
    const net = tinyNetwork();
    const big = {
      ...net,
      layers: net.layers.map((l) =>
        l.kind === 'conv' && l.name === 'stem'
          ? { ...l, inC: 60_000, inH: 2000, inW: 2000, outH: 2000, outW: 2000 }
          : l,
      ),
    };
    expect(() => simulateNetwork(big, SYSTOLIC)).toThrow(SimulationInputError);
    expect(() => simulateNetwork(big, SYSTOLIC)).toThrow(/layer stem: .*over the simulator's limit/);
  });

  it("the search space's largest accelerators are within the limits", () => {
    const sys = SystolicSpace.parse({ template: 'systolic' });
    const widest = {
      ...SYSTOLIC,
      rows: 1024,
      cols: 1024,
      ifmapSramKB: 65_536,
      filterSramKB: 65_536,
      ofmapSramKB: 65_536,
      bandwidthWordsPerCycle: 4096,
      clockMHz: 10_000,
    };
    // The spec refuses anything above these (core/spec/schema.ts), so the engine never sends more.
    expect(() => SystolicSpace.parse({ ...sys, rows: [widest.rows + 1] })).toThrow();
    expect(() => SystolicSpace.parse({ ...sys, ifmapSramKB: [widest.ifmapSramKB + 1] })).toThrow();
    expect(() =>
      SystolicSpace.parse({ ...sys, bandwidthWordsPerCycle: [widest.bandwidthWordsPerCycle + 1] }),
    ).toThrow();
    expect(widest.rows).toBeLessThanOrEqual(SIMULATOR_LIMITS.arrayDim);
    expect(() => simulateNetwork(tinyNetwork(), widest, 'exact')).not.toThrow();
    // The spec's largest clock, searched (a list) or fixed.
    expect(() => PeArraySpace.parse({ template: 'pe-array', clockMHz: [10_001] })).toThrow();
    expect(() =>
      simulateNetwork(tinyNetwork(), { ...PE_ARRAY, ...{ pesX: 8, pesY: 8, clockMHz: 10_000 } }),
    ).not.toThrow();
  });
});
