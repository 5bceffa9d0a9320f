// Reads the SCALE-Sim golden files (made by test/fixtures/scalesim/make_goldens.py) and compares.
import { readFileSync } from 'node:fs';
import { parseScaleSimCfg, parseTopologyCsv } from '../../../core/accelerator/scalesim-io.js';
import {
  type ExactLayerResult,
  type ExactOptions,
  exactLayer,
} from '../../../core/accelerator/systolic/exact.js';
import type { ConvShape } from '../../../core/accelerator/systolic/layer.js';
import type { SystolicArray } from '../../../core/accelerator/systolic/result.js';
import { systolicArray } from '../../../core/accelerator/systolic/template.js';

export interface GoldenCase {
  id: string;
  cfg: string;
  topology: string;
  inputType: 'conv' | 'gemm';
  scalesimSeconds: number;
  reports: Record<'COMPUTE_REPORT' | 'BANDWIDTH_REPORT' | 'DETAILED_ACCESS_REPORT', string>;
}

export function loadGoldens(path: string): GoldenCase[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: GoldenCase[] }).cases;
}

/** Report CSV → one record per layer, keyed by the header's column names. */
export function reportRows(csv: string): Record<string, number>[] {
  const [head, ...rows] = csv.trim().split('\n');
  const keys = (head as string).split(',').map((k) => k.trim());
  return rows.map((r) => {
    const vals = r.split(',').map((v) => v.trim());
    const rec: Record<string, number> = {};
    keys.forEach((k, i) => {
      if (k !== '') rec[k] = Number(vals[i]);
    });
    return rec;
  });
}

export function caseInputs(c: GoldenCase): { array: SystolicArray; layers: ConvShape[] } {
  const cfg = parseScaleSimCfg(c.cfg, `${c.id}.cfg`);
  return {
    array: systolicArray(cfg.config),
    layers: parseTopologyCsv(c.topology, { gemm: c.inputType === 'gemm', file: `${c.id}.csv` }),
  };
}

/** Our exact tier in SCALE-Sim's report columns. */
export function ourRow(r: ExactLayerResult): Record<string, number> {
  const d = r.detail;
  return {
    'Total Cycles': r.totalCycles,
    'Stall Cycles': r.stallCycles,
    'Overall Util %': r.overallUtilPct,
    'Mapping Efficiency %': r.mappingEfficiencyPct,
    'Compute Util %': r.computeUtilPct,
    'SRAM IFMAP Start Cycle': d.sram.ifmap.start,
    'SRAM IFMAP Stop Cycle': d.sram.ifmap.stop,
    'SRAM IFMAP Reads': r.sram.ifmapReads,
    'SRAM Filter Start Cycle': d.sram.filter.start,
    'SRAM Filter Stop Cycle': d.sram.filter.stop,
    'SRAM Filter Reads': r.sram.filterReads,
    'SRAM OFMAP Start Cycle': d.sram.ofmap.start,
    'SRAM OFMAP Stop Cycle': d.sram.ofmap.stop,
    'SRAM OFMAP Writes': r.sram.ofmapWrites,
    'DRAM IFMAP Start Cycle': d.dram.ifmap.start,
    'DRAM IFMAP Stop Cycle': d.dram.ifmap.stop,
    'DRAM IFMAP Reads': r.dram.ifmapReads,
    'DRAM Filter Start Cycle': d.dram.filter.start,
    'DRAM Filter Stop Cycle': d.dram.filter.stop,
    'DRAM Filter Reads': r.dram.filterReads,
    'DRAM OFMAP Start Cycle': d.dram.ofmap.start,
    'DRAM OFMAP Stop Cycle': d.dram.ofmap.stop,
    'DRAM OFMAP Writes': r.dram.ofmapWrites,
    'Avg IFMAP SRAM BW': r.sram.ifmapReads / r.totalCycles,
    'Avg FILTER SRAM BW': r.sram.filterReads / r.totalCycles,
    'Avg OFMAP SRAM BW': r.sram.ofmapWrites / r.totalCycles,
    'Avg IFMAP DRAM BW': r.dram.ifmapReads / (d.dram.ifmap.stop - d.dram.ifmap.start + 1),
    'Avg FILTER DRAM BW': r.dram.filterReads / (d.dram.filter.stop - d.dram.filter.start + 1),
    'Avg OFMAP DRAM BW': r.dram.ofmapWrites / (d.dram.ofmap.stop - d.dram.ofmap.start + 1),
  };
}

/** Every field that differs: [case/layer/field, ours, SCALE-Sim]. */
export function compareCase(c: GoldenCase, options: ExactOptions = {}): Array<[string, number, number]> {
  const { array, layers } = caseInputs(c);
  const expected = [
    ...zip(
      reportRows(c.reports.COMPUTE_REPORT),
      reportRows(c.reports.BANDWIDTH_REPORT),
      reportRows(c.reports.DETAILED_ACCESS_REPORT),
    ),
  ];
  const diffs: Array<[string, number, number]> = [];
  if (expected.length !== layers.length) diffs.push([`${c.id} layer count`, layers.length, expected.length]);
  layers.forEach((l, i) => {
    const want = expected[i];
    if (!want) return;
    const got = ourRow(exactLayer(l, array, options));
    for (const [k, v] of Object.entries(want)) {
      if (k === 'LayerID') continue;
      const g = got[k];
      if (g === undefined || g !== v) diffs.push([`${c.id}/${i}:${l.name}/${k}`, g ?? Number.NaN, v]);
    }
  });
  return diffs;
}

function* zip(
  a: Record<string, number>[],
  b: Record<string, number>[],
  c: Record<string, number>[],
): Generator<Record<string, number>> {
  for (let i = 0; i < a.length; i++) yield { ...a[i], ...b[i], ...c[i] };
}
