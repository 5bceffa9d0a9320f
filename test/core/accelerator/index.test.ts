import { describe, expect, it } from 'vitest';
import {
  acceleratorArea,
  getTemplate,
  lowerNetwork,
  simulateNetwork,
} from '../../../core/accelerator/index.js';
import { fastLayer } from '../../../core/accelerator/systolic/fast.js';
import { computeReport, gemmAsConv, outputDims } from '../../../core/accelerator/systolic/layer.js';
import { technologyTable, technologyTableHash } from '../../../core/accelerator/technology.js';
import { PE_ARRAY, SYSTOLIC, tinyNetwork } from './fixtures.js';

const ALEXNET_CONV1 = {
  name: 'Conv1',
  ifmapH: 224,
  ifmapW: 224,
  filterH: 11,
  filterW: 11,
  channels: 3,
  numFilters: 96,
  strideH: 4,
  strideW: 4,
};

describe('systolic closed forms', () => {
  it('reproduce SCALE-Sim golden alexnet Conv1 on 32x32 WS (compute and SRAM fields)', () => {
    const a = {
      rows: 32,
      cols: 32,
      dataflow: 'ws' as const,
      ifmapSramKB: 64,
      filterSramKB: 64,
      ofmapSramKB: 64,
    };
    const r = fastLayer(ALEXNET_CONV1, a);
    expect(outputDims(ALEXNET_CONV1)).toEqual({ outH: 55, outW: 55 });
    expect(r.totalCycles).toBe(112283);
    expect(r.stallCycles).toBe(0);
    expect(r.overallUtilPct).toBeCloseTo(91.68309650614964, 10);
    expect(r.mappingEfficiencyPct).toBeCloseTo(94.53125, 10);
    expect(r.computeUtilPct).toBeCloseTo(90.78000992063492, 10);
    expect(r.sram).toEqual({ ifmapReads: 3294225, filterReads: 34848, ofmapWrites: 3484800 });
    expect(r.dram.filterReads).toBe(34848);
  });

  it('maps each dataflow to its own (Sr, Sc, T)', () => {
    const g = gemmAsConv('g', 100, 20, 30);
    const os = computeReport(g, { rows: 8, cols: 8, dataflow: 'os' }).mapping;
    const ws = computeReport(g, { rows: 8, cols: 8, dataflow: 'ws' }).mapping;
    const is = computeReport(g, { rows: 8, cols: 8, dataflow: 'is' }).mapping;
    expect([os.Sr, os.Sc, os.T]).toEqual([100, 20, 30]);
    expect([ws.Sr, ws.Sc, ws.T]).toEqual([30, 20, 100]);
    expect([is.Sr, is.Sc, is.T]).toEqual([30, 100, 20]);
    expect(os.foldLength).toBe(30 + 8 + 8 - 2);
    expect(ws.foldLength).toBe(100 + 16 + 8 - 2);
  });
});

describe('simulateNetwork', () => {
  it('lowers depthwise as per-channel work and dense as M=1 GEMM', () => {
    const work = lowerNetwork(tinyNetwork());
    const dw = work.find((w) => w.name === 'dw');
    expect(dw?.kind === 'gemm' && dw.count).toBe(16);
    expect(dw?.kind === 'gemm' && dw.shape.channels).toBe(1);
    const fc = work.find((w) => w.name === 'fc');
    expect(fc?.kind === 'gemm' && computeReport(fc.shape, { rows: 8, cols: 8, dataflow: 'os' }).gemm).toEqual(
      {
        M: 1,
        N: 10,
        K: 32,
      },
    );
    // 'same' padding: the padded ifmap makes SCALE-Sim's ceil formula give the layer's own output size.
    const stem = work.find((w) => w.name === 'stem');
    expect(stem?.kind === 'gemm' && outputDims(stem.shape)).toEqual({ outH: 16, outW: 16 });
  });

  it('gives systolic metrics whose layers add up', () => {
    const m = simulateNetwork(tinyNetwork(), SYSTOLIC);
    expect(m.template).toBe('systolic');
    expect(m.tier).toBe('fast');
    expect(m.layers).toHaveLength(7);
    expect(m.latencyCycles).toBe(m.layers.reduce((s, l) => s + l.cycles, 0));
    expect(m.latencyMs).toBeCloseTo(m.latencyCycles / 1e6, 12);
    expect(m.energyMJ).toBeGreaterThan(0);
    expect(m.utilizationPct).toBeGreaterThan(0);
    expect(m.utilizationPct).toBeLessThanOrEqual(100);
    expect(m.areaMM2).toBeCloseTo(acceleratorArea(SYSTOLIC), 12);
    expect(m.technologyHash).toBe(technologyTableHash());
  });

  it('a bigger array is larger and not slower on a conv-heavy net', () => {
    const big = { ...SYSTOLIC, rows: 16, cols: 16 };
    expect(acceleratorArea(big)).toBeGreaterThan(acceleratorArea(SYSTOLIC));
    const net = tinyNetwork();
    const stem = (c: typeof SYSTOLIC) => simulateNetwork(net, c).layers[0]?.cycles ?? 0;
    expect(stem(big)).toBeLessThan(stem(SYSTOLIC));
  });

  it('the exact tier agrees with the fast tier on CALC cycles and SRAM counts, and is exact where operands fit', () => {
    for (const dataflow of ['os', 'ws', 'is'] as const) {
      const cfg = { ...SYSTOLIC, dataflow };
      const fast = simulateNetwork(tinyNetwork(), cfg, 'fast');
      const exact = simulateNetwork(tinyNetwork(), cfg, 'exact');
      expect(exact.tier).toBe('exact');
      expect(exact.latencyCycles).toBe(fast.latencyCycles);
      expect(exact.layers.map((l) => l.sram)).toEqual(fast.layers.map((l) => l.sram));
      // Every operand of this small net fits a 64 kB window: DRAM reads are its distinct words.
      expect(exact.layers.map((l) => l.dram?.ifmapReads)).toEqual(fast.layers.map((l) => l.dram?.ifmapReads));
    }
  });

  it('is deterministic', () => {
    expect(simulateNetwork(tinyNetwork(), SYSTOLIC)).toEqual(simulateNetwork(tinyNetwork(), SYSTOLIC));
  });

  it('uses an overridden technology table', () => {
    const base = simulateNetwork(tinyNetwork(), SYSTOLIC);
    const tech = technologyTable({ dramPJPerWord: 2 * 243.75 });
    const dear = simulateNetwork(tinyNetwork(), SYSTOLIC, 'fast', { technology: tech });
    expect(dear.energyMJ).toBeGreaterThan(base.energyMJ);
    expect(dear.technologyHash).not.toBe(base.technologyHash);
    expect(() => technologyTable({ macPJ: -1 })).toThrow(/macPJ/);
  });

  it('simulates the pe-array template with a roofline', () => {
    const m = simulateNetwork(tinyNetwork(), PE_ARRAY);
    expect(m.template).toBe('pe-array');
    expect(m.latencyCycles).toBeGreaterThan(0);
    for (const l of m.layers) {
      expect(l.utilizationPct).toBeGreaterThanOrEqual(0);
      expect(l.utilizationPct).toBeLessThanOrEqual(100);
    }
    const more = simulateNetwork(tinyNetwork(), { ...PE_ARRAY, pesX: 4, pesY: 4 });
    expect(more.areaMM2).toBeGreaterThan(m.areaMM2);
    const slowIo = simulateNetwork(tinyNetwork(), { ...PE_ARRAY, localMemoryMB: 0.5, ioBandwidthGBps: 1 });
    expect(slowIo.latencyCycles).toBeGreaterThanOrEqual(m.latencyCycles);
  });

  it('rejects impossible systolic configs with the field name', () => {
    expect(() => simulateNetwork(tinyNetwork(), { ...SYSTOLIC, rows: 0 })).toThrow(/systolic\.rows/);
    expect(() => simulateNetwork(tinyNetwork(), { ...SYSTOLIC, ofmapSramKB: 0.5 })).toThrow(/ofmapSramKB/);
    expect(() => simulateNetwork(tinyNetwork(), { ...SYSTOLIC, bandwidthWordsPerCycle: 0 })).toThrow(
      /bandwidth/,
    );
  });

  it('finds templates by name', () => {
    expect(getTemplate('systolic').name).toBe('systolic');
    expect(getTemplate('pe-array').area(PE_ARRAY)).toBeCloseTo(acceleratorArea(PE_ARRAY), 12);
    expect(() => getTemplate('tpu')).toThrow(/unknown accelerator template/);
  });
});
