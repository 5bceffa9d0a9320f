// The pe-array template's export (pe-array.json, layers.json) and the one interface both
// templates export through.
import { describe, expect, it } from 'vitest';
import {
  AcceleratorConfigSchema,
  designFiles,
  getTemplate,
  PE_ARRAY_FIELDS,
  type PeArrayBreakdown,
  type PeArrayConfigFile,
  peArrayDerived,
  simulateNetwork,
  TECH_22NM,
  technologyTableHash,
  toScaleSimCfg,
  toTopologyCsv,
} from '../../../core/accelerator/index.js';
import { peArrayLayers } from '../../../core/accelerator/pe-array.js';
import { PeArrayConfigSchema } from '../../../core/accelerator/schema.js';
import type { PeArrayConfig } from '../../../core/space/types.js';
import { PE_ARRAY, SYSTOLIC, tinyNetwork } from './fixtures.js';

const SMALL_CHIP: PeArrayConfig = {
  ...PE_ARRAY,
  localMemoryMB: 0.001,
  registerFileKB: 0.05,
  ioBandwidthGBps: 1,
};

describe('peArrayLayers', () => {
  it('holds the terms each layer is made of, and simulatePeArray is their sum', () => {
    for (const c of [PE_ARRAY, SMALL_CHIP]) {
      const layers = peArrayLayers(tinyNetwork(), c);
      const m = simulateNetwork(tinyNetwork(), c);
      expect(layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
      expect(layers.reduce((s, l) => s + l.cycles, 0)).toBe(m.latencyCycles);
      for (const l of layers) {
        const steady = Math.max(l.computeCycles, l.localMemoryCycles, l.dramCycles);
        expect(l.cycles).toBe(steady + l.fillCycles + l.drainCycles);
        expect(l.energyPJ).toBe(l.macPJ + l.vectorPJ + l.localMemoryPJ + l.dramPJ);
        const bound = { compute: l.computeCycles, 'local-memory': l.localMemoryCycles, dram: l.dramCycles };
        expect(bound[l.bound]).toBe(steady);
      }
    }
    // A chip too small for the tiny network's weights and activations goes to DRAM and misses its register file.
    const small = peArrayLayers(tinyNetwork(), SMALL_CHIP);
    expect(small.some((l) => l.bound === 'dram')).toBe(true);
    expect(small.some((l) => l.localMemoryCycles > 0)).toBe(true);
    expect(peArrayLayers(tinyNetwork(), PE_ARRAY).every((l) => l.dramPJ === 0)).toBe(true);
  });
});

describe('pe-array.json', () => {
  it('documents every configuration field the simulator accepts', () => {
    const fields = Object.keys(PeArrayConfigSchema.shape).filter((k) => k !== 'template');
    expect(Object.keys(PE_ARRAY_FIELDS).sort()).toEqual(fields.sort());
    // Each says its unit (in parentheses) and what the model does with it.
    for (const doc of Object.values(PE_ARRAY_FIELDS)) expect(doc).toMatch(/\(.+\).{20,}/);
  });

  it('carries the configuration as `cosearch simulate --accelerator` takes it, its derived figures and its technology', () => {
    const [cfgFile] = designFiles(PE_ARRAY, 'run-1', undefined, TECH_22NM);
    expect(cfgFile?.name).toBe('pe-array.json');
    const cfg = JSON.parse(cfgFile?.content as string) as PeArrayConfigFile;
    expect(AcceleratorConfigSchema.parse(cfg.accelerator)).toEqual(PE_ARRAY);
    expect(cfg.runName).toBe('run-1');
    expect(cfg.technology).toEqual({ name: TECH_22NM.name, hash: technologyTableHash(TECH_22NM) });
    const d = peArrayDerived(PE_ARRAY, TECH_22NM);
    expect(cfg.derived).toEqual(d);
    expect(d).toMatchObject({ pes: 4, peakMacsPerCycle: 4 * 2 * 32, onChipMB: 4, registerFileKBTotal: 128 });
    expect(d.peakTops).toBeCloseTo((2 * 256 * 800e6) / 1e12, 12);
    expect(d.ioBytesPerCycle).toBeCloseTo(16e9 / 800e6, 12);
    expect(d.area.macsMM2 + d.area.memoryMM2 + d.area.fixedMM2).toBeCloseTo(d.areaMM2, 12);
    expect(d.areaMM2).toBe(
      simulateNetwork(tinyNetwork(), PE_ARRAY, 'fast', { technology: TECH_22NM }).areaMM2,
    );
  });
});

describe('layers.json', () => {
  it('lists every layer with its terms, and its totals are the recorded simulation', () => {
    const metrics = simulateNetwork(tinyNetwork(), SMALL_CHIP, 'exact');
    const files = designFiles(SMALL_CHIP, 'r', { network: tinyNetwork(), metrics });
    expect(files.map((f) => f.name)).toEqual(['pe-array.json', 'layers.json']);
    const b = JSON.parse(files[1]?.content as string) as PeArrayBreakdown;
    expect(b.tier).toBe('exact');
    expect(b.totals).toMatchObject({
      latencyCycles: metrics.latencyCycles,
      latencyMs: metrics.latencyMs,
      arrayCycles: metrics.arrayCycles,
      vectorCycles: metrics.vectorCycles,
      energyMJ: metrics.energyMJ,
    });
    expect(b.layers.map((l) => l.cycles)).toEqual(metrics.layers.map((l) => l.cycles));
    expect(b.layers.map((l) => l.energyPJ)).toEqual(metrics.layers.map((l) => l.energyPJ));
    const vector = b.layers.filter((l) => l.kind === 'vector').reduce((s, l) => s + l.cycles, 0);
    expect(vector).toBe(metrics.vectorCycles);
    const e = b.totals.energyPJ;
    expect((e.mac + e.vector + e.localMemory + e.dram) * 1e-9).toBeCloseTo(metrics.energyMJ, 15);
    expect(e.dram).toBeGreaterThan(0);
    const bound = b.totals.boundLayers;
    expect(bound.compute + bound['local-memory'] + bound.dram).toBe(b.layers.length);
    for (const l of b.layers) expect(l.latencyMs).toBeCloseTo(l.cycles / (SMALL_CHIP.clockMHz * 1e3), 15);
  });
});

describe('designFiles: one export interface for both templates', () => {
  it('systolic: the SCALE-Sim .cfg, and with the network its topology and latency split', () => {
    expect(designFiles(SYSTOLIC, 'x').map((f) => f.name)).toEqual(['scalesim.cfg']);
    const metrics = simulateNetwork(tinyNetwork(), SYSTOLIC, 'exact');
    const files = designFiles(SYSTOLIC, 'x', { network: tinyNetwork(), metrics });
    expect(files.map((f) => f.name)).toEqual(['scalesim.cfg', 'topology.csv', 'latency.json']);
    expect(files[0]?.content).toBe(toScaleSimCfg(SYSTOLIC, 'x'));
    expect(files[1]?.content).toBe(toTopologyCsv(tinyNetwork()));
    expect(JSON.parse(files[2]?.content as string)).toMatchObject({
      latencyCycles: metrics.latencyCycles,
      scaleSimCycles: metrics.arrayCycles,
      vectorCycles: metrics.vectorCycles,
    });
    expect(getTemplate('systolic').exportFiles(SYSTOLIC, 'x')).toEqual(designFiles(SYSTOLIC, 'x'));
  });

  it('pe-array: the documented config alone without a network', () => {
    expect(designFiles(PE_ARRAY, 'x').map((f) => f.name)).toEqual(['pe-array.json']);
    expect(getTemplate('pe-array').exportFiles(PE_ARRAY, 'x')).toEqual(designFiles(PE_ARRAY, 'x'));
    for (const f of designFiles(PE_ARRAY, 'x')) expect(f.title).toMatch(/\w/);
  });
});
