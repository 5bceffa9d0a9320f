import { describe, expect, it } from 'vitest';
import { lowerNetwork } from '../../../core/accelerator/lowering.js';
import {
  parseScaleSimCfg,
  parseTopologyCsv,
  ScaleSimInputError,
  toScaleSimCfg,
  toTopologyCsv,
} from '../../../core/accelerator/scalesim-io.js';
import { gemmOf, outputDims } from '../../../core/accelerator/systolic/layer.js';
import { SYSTOLIC, tinyNetwork } from './fixtures.js';

const CFG = `[general]
run_name = scale_example_run_32x32_os

[architecture_presets]
ArrayHeight:    32
ArrayWidth:     16
IfmapSramSzkB:   64
FilterSramSzkB:  32
OfmapSramSzkB:   16
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10
Dataflow : ws
MemoryBanks:   1

[run_presets]
InterfaceBandwidth: CALC
`;

function errorOf(f: () => unknown): ScaleSimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScaleSimInputError) return e;
    throw e;
  }
  throw new Error('expected a ScaleSimInputError');
}

describe('SCALE-Sim .cfg', () => {
  it('reads the shipped layout (case-insensitive keys, ":" and "=")', () => {
    const c = parseScaleSimCfg(CFG);
    expect(c.runName).toBe('scale_example_run_32x32_os');
    expect(c.config).toEqual({
      template: 'systolic',
      rows: 32,
      cols: 16,
      dataflow: 'ws',
      ifmapSramKB: 64,
      filterSramKB: 32,
      ofmapSramKB: 16,
      clockMHz: 1000,
    });
    expect(c.offsets).toEqual({ ifmap: 0, filter: 10000000, ofmap: 20000000 });
  });

  it('reads Bandwidth only in USER mode (first value of a list)', () => {
    const c = parseScaleSimCfg(CFG.replace('Bandwidth : 10', 'Bandwidth : 4, 8').replace('CALC', 'USER'));
    expect(c.config.bandwidthWordsPerCycle).toBe(4);
  });

  it('round-trips our own configs', () => {
    for (const cfg of [
      SYSTOLIC,
      { ...SYSTOLIC, dataflow: 'is' as const, bandwidthWordsPerCycle: 7, clockMHz: 700 },
    ])
      expect(parseScaleSimCfg(toScaleSimCfg(cfg)).config).toEqual(cfg);
  });

  it('names file, line and field for bad input', () => {
    const bad = errorOf(() => parseScaleSimCfg(CFG.replace('Dataflow : ws', 'Dataflow : rs'), 'x.cfg'));
    expect(bad.message).toBe('x.cfg:14 (Dataflow): unknown dataflow "rs": use os, ws or is');
    expect(errorOf(() => parseScaleSimCfg(CFG.replace('ArrayWidth:     16', 'ArrayWidth: 0'))).line).toBe(6);
    expect(errorOf(() => parseScaleSimCfg(CFG.replace('ArrayWidth:     16', 'ArrayWidth: 1.5'))).field).toBe(
      'ArrayWidth',
    );
    expect(errorOf(() => parseScaleSimCfg(CFG.replace('ArrayHeight:    32\n', ''))).message).toMatch(
      /missing key/,
    );
    expect(errorOf(() => parseScaleSimCfg(CFG.replace('CALC', 'FAST'))).field).toBe('InterfaceBandwidth');
    expect(errorOf(() => parseScaleSimCfg('nonsense\n')).line).toBe(1);
  });
});

describe('SCALE-Sim topology CSV', () => {
  const HEAD =
    'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n';

  it('drops the last field, reuses a single stride, skips blanks, and expands DP rows', () => {
    const layers = parseTopologyCsv(
      `${HEAD}Conv1, 224, 224, 11, 11, 3, 96, 4,\n\nDP2, 10, 10, 3, 3, 3, 1, 1,\nc3, 9, 11, 3, 3, 2, 6, 2, 3,\n`,
    );
    expect(layers.map((l) => l.name)).toEqual([
      'Conv1',
      'DP2Channel_0',
      'DP2Channel_1',
      'DP2Channel_2',
      'c3',
    ]);
    expect(layers[0]).toMatchObject({ strideH: 4, strideW: 4 });
    expect(layers[1]).toMatchObject({ channels: 1, numFilters: 1 });
    expect(layers[4]).toMatchObject({ strideH: 2, strideW: 3 });
    // The ceil rounding: 224−11 = 213 is not a multiple of 4, so 55 rather than 54.
    expect(outputDims(layers[0] as (typeof layers)[0])).toEqual({ outH: 55, outW: 55 });
  });

  it('"dp" in lower case is not depthwise (SCALE-Sim matches "DP" case-sensitively)', () => {
    expect(parseTopologyCsv(`${HEAD}dpish, 10, 10, 3, 3, 3, 1, 1,\n`)).toHaveLength(1);
  });

  it('reads GEMM rows as M×K · K×N', () => {
    const [g] = parseTopologyCsv('Layer, M, N, K,\ng1, 20, 12, 40,\n', { gemm: true });
    expect(g && gemmOf(g)).toEqual({ M: 20, N: 12, K: 40 });
  });

  it('explains a missing trailing comma, and rejects a filter larger than its ifmap', () => {
    const e = errorOf(() => parseTopologyCsv(`${HEAD}c, 8, 8, 3, 3, 1, 4, 1\n`, { file: 't.csv' }));
    expect(e.message).toMatch(/^t\.csv:2 \(Strides\): .*trailing comma/);
    const big = errorOf(() =>
      parseTopologyCsv(`${HEAD}ok, 8, 8, 3, 3, 1, 4, 1,\nbig, 4, 8, 5, 3, 1, 4, 1,\n`),
    );
    expect(big.line).toBe(3);
    expect(big.message).toMatch(/filter height 5 is larger than ifmap height 4/);
    expect(errorOf(() => parseTopologyCsv(`${HEAD}z, 8, 8, 3, 3, 0, 4, 1,\n`)).field).toBe('Channels');
    expect(errorOf(() => parseTopologyCsv(`${HEAD}z, 8, 8, x, 3, 1, 4, 1,\n`)).field).toBe('Filter Height');
    expect(errorOf(() => parseTopologyCsv(HEAD)).message).toMatch(/no layers/);
  });

  it('writes our networks so that SCALE-Sim reads back the same array work', () => {
    const net = tinyNetwork();
    const back = parseTopologyCsv(toTopologyCsv(net));
    const work = lowerNetwork(net).filter((w) => w.kind === 'gemm');
    const expanded = work.flatMap((w) =>
      w.kind === 'gemm' ? Array.from({ length: w.count }, () => w.shape) : [],
    );
    expect(back.map(({ name: _n, ...s }) => s)).toEqual(expanded.map(({ name: _n, ...s }) => s));
    expect(back.filter((l) => l.name.includes('DP'))).toHaveLength(16);
  });
});
