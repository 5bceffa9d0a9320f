// SCALE-Sim v2 file compatibility: read its .cfg and topology CSVs (with their quirks), and write
// both for any of our accelerators and networks so a result can be taken straight into SCALE-Sim.
//
// Quirks reproduced from SCALE-Sim's readers:
//  * .cfg is a Python configparser INI: `key = value` or `key: value`, keys case-insensitive,
//    `#` / `;` comment lines. Bandwidth is read only in USER mode (first value of a list).
//  * topology CSVs: the first line is a header and is skipped, blank lines are skipped, and every
//    row's LAST field is dropped (rows must end with a trailing comma). One stride column means
//    the same stride in both directions. A conv row whose name contains `DP` (case-sensitive) is
//    a depthwise layer, expanded into `Channels` layers of one channel each.
//  * GEMM CSV rows `name, M, N, K,` become the conv [M, K, 1, K, 1, N, 1].
import type { z } from 'zod';
import type { NetworkSummary } from '../network/layers.js';
import type { SystolicConfig } from '../space/types.js';
import { lowerNetwork } from './lowering.js';
import { ConvShapeSchema, SystolicConfigSchema } from './schema.js';
import { type ConvShape, gemmAsConv } from './systolic/layer.js';
import { weightBitsOf } from './technology.js';
import type { AcceleratorMetrics, DesignFile, DesignRun, SimulationTier } from './types.js';

/** Bad SCALE-Sim input: names the file, the line (1-based) and the field. */
export class ScaleSimInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${field ? ` (${field})` : ''}: ${detail}`);
    this.name = 'ScaleSimInputError';
  }
}

export interface ScaleSimCfg {
  runName: string;
  config: SystolicConfig;
  offsets: { ifmap: number; filter: number; ofmap: number };
}

const INT = /^[+-]?\d+$/;

/** Our config field → the .cfg key SCALE-Sim reads it from. */
const CFG_KEYS: Record<string, string> = {
  rows: 'ArrayHeight',
  cols: 'ArrayWidth',
  ifmapSramKB: 'IfmapSramSzkB',
  filterSramKB: 'FilterSramSzkB',
  ofmapSramKB: 'OfmapSramSzkB',
  bandwidthWordsPerCycle: 'Bandwidth',
  clockMHz: 'ClockMHz',
};

/** Our layer field → the topology CSV column. */
const CSV_COLUMNS: Record<string, string> = {
  ifmapH: 'IFMAP Height',
  ifmapW: 'IFMAP Width',
  filterH: 'Filter Height',
  filterW: 'Filter Width',
  channels: 'Channels',
  numFilters: 'Num Filter',
  strideH: 'Stride height',
  strideW: 'Stride width',
  name: 'Layer name',
};

/** Parses a SCALE-Sim .cfg. Our own key `ClockMHz` (ignored by SCALE-Sim) sets the clock; default 1000. */
export function parseScaleSimCfg(text: string, file = 'config.cfg'): ScaleSimCfg {
  const sections = new Map<string, Map<string, { value: string; line: number }>>();
  let current: Map<string, { value: string; line: number }> | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const s = raw.trim();
    if (s === '' || s.startsWith('#') || s.startsWith(';')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(s);
    if (sec) {
      const name = (sec[1] as string).trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(s);
    if (!kv)
      throw new ScaleSimInputError(
        file,
        i + 1,
        undefined,
        `expected "key = value" or a [section], got "${s}"`,
      );
    if (!current) throw new ScaleSimInputError(file, i + 1, kv[1], 'key before any [section]');
    current.set((kv[1] as string).toLowerCase(), { value: (kv[2] as string).trim(), line: i + 1 });
  }
  const get = (
    section: string,
    key: string,
    optional = false,
  ): { value: string; line: number } | undefined => {
    const sec = sections.get(section);
    if (!sec) {
      if (optional) return undefined;
      throw new ScaleSimInputError(file, undefined, `[${section}]`, 'missing section');
    }
    const v = sec.get(key.toLowerCase());
    if (!v && !optional) throw new ScaleSimInputError(file, undefined, `[${section}] ${key}`, 'missing key');
    return v;
  };
  const int = (section: string, key: string, min: number): number => {
    const v = get(section, key) as { value: string; line: number };
    if (!INT.test(v.value))
      throw new ScaleSimInputError(file, v.line, key, `must be a whole number, got "${v.value}"`);
    const n = Number(v.value);
    if (n < min) throw new ScaleSimInputError(file, v.line, key, `must be >= ${min}, got ${n}`);
    return n;
  };
  const runName = (get('general', 'run_name') as { value: string }).value;
  const modeV = get('run_presets', 'InterfaceBandwidth') as { value: string; line: number };
  if (modeV.value !== 'CALC' && modeV.value !== 'USER')
    throw new ScaleSimInputError(
      file,
      modeV.line,
      'InterfaceBandwidth',
      `use CALC or USER, got "${modeV.value}"`,
    );
  const A = 'architecture_presets';
  const dfV = get(A, 'Dataflow') as { value: string; line: number };
  if (dfV.value !== 'os' && dfV.value !== 'ws' && dfV.value !== 'is')
    throw new ScaleSimInputError(
      file,
      dfV.line,
      'Dataflow',
      `unknown dataflow "${dfV.value}": use os, ws or is`,
    );
  const config: SystolicConfig = {
    template: 'systolic',
    rows: int(A, 'ArrayHeight', 1),
    cols: int(A, 'ArrayWidth', 1),
    dataflow: dfV.value,
    ifmapSramKB: int(A, 'IfmapSramSzkB', 1),
    filterSramKB: int(A, 'FilterSramSzkB', 1),
    ofmapSramKB: int(A, 'OfmapSramSzkB', 1),
    clockMHz: get(A, 'ClockMHz', true) ? int(A, 'ClockMHz', 1) : 1000,
  };
  if (modeV.value === 'USER') {
    const bw = get(A, 'Bandwidth') as { value: string; line: number };
    const first = (bw.value.split(',')[0] as string).trim();
    if (!INT.test(first) || Number(first) < 1)
      throw new ScaleSimInputError(
        file,
        bw.line,
        'Bandwidth',
        `USER mode needs a whole number >= 1, got "${bw.value}"`,
      );
    config.bandwidthWordsPerCycle = Number(first);
  }
  // The simulator's bounds (schema.ts), reported against the .cfg key and line.
  const checked = SystolicConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0] as z.core.$ZodIssue;
    const field = String(issue.path[0]);
    const key = CFG_KEYS[field] ?? field;
    const at = get(A, key, true);
    throw new ScaleSimInputError(file, at?.line, key, issue.message);
  }
  const offsets = {
    ifmap: int(A, 'IfmapOffset', 0),
    filter: int(A, 'FilterOffset', 0),
    ofmap: int(A, 'OfmapOffset', 0),
  };
  return { runName, config, offsets };
}

const CONV_FIELDS = [
  'IFMAP Height',
  'IFMAP Width',
  'Filter Height',
  'Filter Width',
  'Channels',
  'Num Filter',
  'Stride height',
  'Stride width',
] as const;

/** Reads a conv (default) or GEMM (`gemm: true`) topology CSV into layers, `DP` rows expanded. */
export function parseTopologyCsv(text: string, options: { gemm?: boolean; file?: string } = {}): ConvShape[] {
  const file = options.file ?? 'topology.csv';
  const out: ConvShape[] = [];
  /** The simulator's layer bounds (schema.ts), reported against the file's line and column. */
  const check = (shape: ConvShape, line: number, columns: Record<string, string>) => {
    const checked = ConvShapeSchema.safeParse(shape);
    if (checked.success) return;
    const issue = checked.error.issues[0] as z.core.$ZodIssue;
    const field = String(issue.path[0] ?? 'name');
    const prefix = shape.name ? `layer ${shape.name}: ` : '';
    throw new ScaleSimInputError(file, line, columns[field] ?? field, `${prefix}${issue.message}`);
  };
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const row = (lines[i] as string).trim();
    if (row === '') continue;
    const elems = row.split(',').slice(0, -1);
    const line = i + 1;
    const name = (elems[0] ?? '').trim();
    const num = (idx: number, field: string): number => {
      const v = (elems[idx] ?? '').trim();
      if (!INT.test(v)) throw new ScaleSimInputError(file, line, field, `must be a whole number, got "${v}"`);
      const n = Number(v);
      if (n < 1) throw new ScaleSimInputError(file, line, field, `must be >= 1, got ${n}`);
      return n;
    };
    if (options.gemm) {
      if (elems.length < 4)
        throw new ScaleSimInputError(
          file,
          line,
          undefined,
          `a GEMM row needs name, M, N, K and a trailing comma; got ${elems.length} field(s)`,
        );
      const g = gemmAsConv(name, num(1, 'M'), num(2, 'N'), num(3, 'K'));
      check(g, line, { ifmapH: 'M', numFilters: 'N', ifmapW: 'K', filterW: 'K' });
      out.push(g);
      continue;
    }
    if (elems.length < 8)
      throw new ScaleSimInputError(
        file,
        line,
        elems.length === 7 ? 'Strides' : undefined,
        `a conv row needs name, 6 sizes and a stride, then a trailing comma; got ${elems.length} field(s)` +
          (elems.length === 7 ? ' (is the trailing comma missing? SCALE-Sim drops the last field)' : ''),
      );
    const v = CONV_FIELDS.map((f, j) => (j === 7 && elems.length < 9 ? -1 : num(j + 1, f)));
    const shape: ConvShape = {
      name,
      ifmapH: v[0] as number,
      ifmapW: v[1] as number,
      filterH: v[2] as number,
      filterW: v[3] as number,
      channels: v[4] as number,
      numFilters: v[5] as number,
      strideH: v[6] as number,
      strideW: v[7] === -1 ? (v[6] as number) : (v[7] as number),
    };
    check(shape, line, CSV_COLUMNS);
    if (name.includes('DP')) {
      for (let c = 0; c < shape.channels; c++)
        out.push({ ...shape, name: `${name}Channel_${c}`, channels: 1 });
    } else out.push(shape);
  }
  if (out.length === 0)
    throw new ScaleSimInputError(file, undefined, undefined, 'no layers (the first line is a header)');
  return out;
}

/** A SCALE-Sim .cfg for one of our systolic accelerators (CALC unless a bandwidth is set). */
export function toScaleSimCfg(config: SystolicConfig, runName = 'cosearch'): string {
  const user = config.bandwidthWordsPerCycle !== undefined;
  return [
    '[general]',
    `run_name = ${runName.replace(/[^\w.-]/g, '_')}`,
    '',
    '[architecture_presets]',
    `ArrayHeight:    ${config.rows}`,
    `ArrayWidth:     ${config.cols}`,
    `IfmapSramSzkB:   ${config.ifmapSramKB}`,
    // SCALE-Sim's words are one weight each: narrower weights show as the 8-bit buffer of equal capacity.
    `FilterSramSzkB:  ${(config.filterSramKB * 8) / weightBitsOf(config)}`,
    `OfmapSramSzkB:   ${config.ofmapSramKB}`,
    'IfmapOffset:    0',
    'FilterOffset:   10000000',
    'OfmapOffset:    20000000',
    `Bandwidth : ${config.bandwidthWordsPerCycle ?? 10}`,
    `Dataflow : ${config.dataflow}`,
    'MemoryBanks:   1',
    `ClockMHz: ${config.clockMHz}`,
    '',
    '[run_presets]',
    `InterfaceBandwidth: ${user ? 'USER' : 'CALC'}`,
    '',
  ].join('\n');
}

function csvName(name: string): string {
  // SCALE-Sim splits on commas and expands names containing "DP": keep both out of ordinary names.
  return name.replace(/[,\s]+/g, '_').replace(/DP/g, 'Dp');
}

/**
 * A SCALE-Sim conv topology CSV for the array work of a network (vector layers have no SCALE-Sim
 * equivalent and are left out). Convs use the padded ifmap, so SCALE-Sim's ceil output size equals
 * ours; depthwise layers are `DP` rows (SCALE-Sim expands them per channel); dense layers are the
 * GEMM-as-conv row.
 */
export function toTopologyCsv(network: NetworkSummary): string {
  const rows = [
    'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Stride height, Stride width,',
  ];
  for (const w of lowerNetwork(network)) {
    if (w.kind !== 'gemm') continue;
    const s = w.shape;
    const depthwise = w.count > 1 || network.layers.find((l) => l.name === w.name)?.kind === 'depthwise';
    const name = depthwise ? `${csvName(w.name)}_DP` : csvName(w.name);
    const channels = depthwise ? w.count : s.channels;
    rows.push(
      `${name}, ${s.ifmapH}, ${s.ifmapW}, ${s.filterH}, ${s.filterW}, ${channels}, ${s.numFilters}, ${s.strideH}, ${s.strideW},`,
    );
  }
  return `${rows.join('\n')}\n`;
}

/**
 * What the exported SCALE-Sim files cover of a simulated latency (written as latency.json beside
 * them): SCALE-Sim models the array (GEMM) work of topology.csv; the vector-unit work (batch-norm,
 * activations, pooling, residual adds, softmax) has no SCALE-Sim equivalent and is listed here.
 */
export interface LatencySplit {
  tier: SimulationTier;
  clockMHz: number;
  /** The simulated latency: scaleSimCycles + vectorCycles. */
  latencyCycles: number;
  /** Array work: what `cosearch simulate --config scalesim.cfg --topology topology.csv` reports. */
  scaleSimCycles: number;
  vectorCycles: number;
  vectorLayers: { name: string; cycles: number }[];
  note: string;
}

export function latencySplit(m: AcceleratorMetrics, clockMHz: number): LatencySplit {
  const tierNote =
    m.tier === 'exact'
      ? 'SCALE-Sim v2 reports scaleSimCycles for topology.csv on scalesim.cfg.'
      : 'With InterfaceBandwidth CALC the fast tier equals SCALE-Sim; with USER it is an estimate (run `cosearch simulate` without --fast for the exact figure).';
  return {
    tier: m.tier,
    clockMHz,
    latencyCycles: m.latencyCycles,
    scaleSimCycles: m.arrayCycles,
    vectorCycles: m.vectorCycles,
    vectorLayers: m.layers
      .filter((l) => l.kind === 'vector')
      .map((l) => ({ name: l.name, cycles: l.cycles })),
    note: `latencyCycles = scaleSimCycles (array work in topology.csv) + vectorCycles (vector-unit work, which SCALE-Sim does not model). ${tierNote}`,
  };
}

/**
 * The systolic template's export: scalesim.cfg always; with the network, topology.csv (its array
 * work) and latency.json (the recorded latency split into what those files give and the rest).
 */
export function systolicDesignFiles(config: SystolicConfig, runName: string, run?: DesignRun): DesignFile[] {
  const files: DesignFile[] = [
    {
      name: 'scalesim.cfg',
      content: toScaleSimCfg(config, runName),
      title: 'SCALE-Sim architecture config (.cfg)',
    },
  ];
  if (!run) return files;
  files.push(
    { name: 'topology.csv', content: toTopologyCsv(run.network), title: 'SCALE-Sim topology CSV' },
    {
      name: 'latency.json',
      content: `${JSON.stringify(latencySplit(run.metrics, config.clockMHz), null, 1)}\n`,
      title: 'latency split: SCALE-Sim cycles + vector cycles',
    },
  );
  return files;
}
