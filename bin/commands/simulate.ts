import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { simulateNetwork } from '../../core/accelerator/index.js';
import {
  parseScaleSimCfg,
  parseTopologyCsv,
  ScaleSimInputError,
} from '../../core/accelerator/scalesim-io.js';
import {
  AcceleratorConfigSchema,
  InputSchema,
  NetworkSummarySchema,
  SimulationInputError,
} from '../../core/accelerator/schema.js';
import { exactLayer } from '../../core/accelerator/systolic/exact.js';
import { fastLayer } from '../../core/accelerator/systolic/fast.js';
import {
  systolicArea,
  systolicArray,
  systolicLayerEnergyPJ,
} from '../../core/accelerator/systolic/template.js';
import type { OperandCounts } from '../../core/accelerator/types.js';
import { builtinDataset } from '../../core/data/builtins.js';
import { archFileSchema } from '../../core/network/arch-schema.js';
import type { NetworkSummary } from '../../core/network/layers.js';
import { InfeasibleArchError } from '../../core/network/mobile-cnn.js';
import { summarizeNetwork } from '../../core/network/summary.js';
import type { AcceleratorConfig } from '../../core/space/types.js';
import { formatIssues, parseWith } from '../../core/spec/parse.js';
import { type Command, parseFlags, UsageError } from '../cli.js';

interface JsonLayer {
  name: string;
  totalCycles: number;
  stallCycles: number;
  overallUtilPct: number;
  /** null where the notion does not apply (vector work, pe-array). */
  mappingEfficiencyPct: number | null;
  computeUtilPct: number | null;
  sram: OperandCounts;
  dram: OperandCounts;
  energyPJ: number;
}

interface JsonReport {
  layers: JsonLayer[];
  totals: {
    totalCycles: number;
    /** The part of totalCycles SCALE-Sim models (array work) and the vector-unit part it does not. */
    arrayCycles: number;
    vectorCycles: number;
    stallCycles: number;
    energyPJ: number;
    areaMM2: number;
  };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** A flag value that is inline JSON (starts with `{`) or the path of a JSON file. */
async function readJson(flag: string, value: string): Promise<{ raw: unknown; where: string }> {
  const inline = value.trimStart().startsWith('{');
  const where = inline ? `--${flag}` : value;
  const text = inline ? value : await readText(value, `--${flag} file`);
  try {
    return { raw: JSON.parse(text), where };
  } catch (e) {
    throw new UsageError(`${where}: not valid JSON: ${(e as Error).message}`);
  }
}

function validate<S extends z.ZodType>(where: string, raw: unknown, schema: S, what = ''): z.infer<S> {
  const r = parseWith(schema, raw);
  if (!r.ok) throw new UsageError(`${where} is not ${what || 'valid'}:\n${formatIssues(r.issues)}`);
  return r.value;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * --network: a layer summary ({inputShape, numClasses, layers}), or an architecture as
 * `cosearch train --arch` and results.json hold it: a mobile-cnn NetworkArch, a candidate
 * {network, accelerator?, hyperparameters?}, or a results.json entry {candidate: {...}}. An
 * architecture is summarized on `shape` with `classes` outputs; a candidate's accelerator is used
 * when --accelerator is not given.
 */
function readNetwork(
  where: string,
  raw: unknown,
  shape: [number, number, number],
  classes: number,
): { network: NetworkSummary; accelerator?: unknown } {
  if (isObject(raw) && 'layers' in raw) return { network: validate(where, raw, NetworkSummarySchema) };
  const cand = isObject(raw) && isObject(raw.candidate) ? raw.candidate : raw;
  const arch = validate(
    where,
    cand,
    archFileSchema(cand),
    'a layer summary or an architecture (a mobile-cnn NetworkArch, a candidate {network, ...} or a results.json entry {candidate})',
  );
  let network: NetworkSummary;
  try {
    network = summarizeNetwork(arch.network, shape, classes);
  } catch (e) {
    if (e instanceof InfeasibleArchError) throw new UsageError(`${where}: ${e.message}`);
    throw e;
  }
  return isObject(cand) && 'accelerator' in cand ? { network, accelerator: cand.accelerator } : { network };
}

function fromCfg(
  cfgText: string,
  cfgPath: string,
  topoText: string,
  topoPath: string,
  gemm: boolean,
  fast: boolean,
) {
  let cfg: ReturnType<typeof parseScaleSimCfg>;
  let layers: ReturnType<typeof parseTopologyCsv>;
  try {
    cfg = parseScaleSimCfg(cfgText, cfgPath);
    layers = parseTopologyCsv(topoText, { gemm, file: topoPath });
  } catch (e) {
    if (e instanceof ScaleSimInputError) throw new UsageError(e.message);
    throw e;
  }
  const a = systolicArray(cfg.config);
  const report: JsonReport = {
    layers: [],
    totals: {
      totalCycles: 0,
      arrayCycles: 0,
      vectorCycles: 0,
      stallCycles: 0,
      energyPJ: 0,
      areaMM2: systolicArea(cfg.config),
    },
  };
  for (const l of layers) {
    let r: ReturnType<typeof fastLayer>;
    try {
      r = fast ? fastLayer(l, a) : exactLayer(l, a);
    } catch (e) {
      if (e instanceof SimulationInputError) throw new UsageError(`${topoPath}: ${e.message}`);
      throw e;
    }
    const energyPJ = systolicLayerEnergyPJ(r, a);
    report.layers.push({
      name: l.name,
      totalCycles: r.totalCycles,
      stallCycles: r.stallCycles,
      overallUtilPct: r.overallUtilPct,
      mappingEfficiencyPct: r.mappingEfficiencyPct,
      computeUtilPct: r.computeUtilPct,
      sram: r.sram,
      dram: r.dram,
      energyPJ,
    });
    report.totals.totalCycles += r.totalCycles;
    report.totals.arrayCycles += r.totalCycles;
    report.totals.stallCycles += r.stallCycles;
    report.totals.energyPJ += energyPJ;
  }
  return report;
}

const ZERO: OperandCounts = { ifmapReads: 0, filterReads: 0, ofmapWrites: 0 };

async function fromSpec(
  accelerator: string | undefined,
  network: string,
  shape: [number, number, number],
  classes: number,
  fast: boolean,
): Promise<JsonReport> {
  let config: AcceleratorConfig | undefined;
  if (accelerator !== undefined) {
    const a = await readJson('accelerator', accelerator);
    config = validate(a.where, a.raw, AcceleratorConfigSchema);
  }
  const n = await readJson('network', network);
  const { network: net, accelerator: carried } = readNetwork(n.where, n.raw, shape, classes);
  if (config === undefined) {
    if (carried === undefined) throw new UsageError(`give --accelerator (${n.where} carries no accelerator)`);
    config = validate(`${n.where} (accelerator)`, carried, AcceleratorConfigSchema);
  }
  let m: ReturnType<typeof simulateNetwork>;
  try {
    m = simulateNetwork(net, config, fast ? 'fast' : 'exact');
  } catch (e) {
    if (e instanceof SimulationInputError) throw new UsageError(`${n.where}: ${e.message}`);
    throw e;
  }
  return {
    layers: m.layers.map((l) => ({
      name: l.name,
      totalCycles: l.cycles,
      stallCycles: l.stallCycles,
      overallUtilPct: l.utilizationPct,
      mappingEfficiencyPct: l.mappingEfficiencyPct ?? null,
      computeUtilPct: l.computeUtilPct ?? null,
      sram: l.sram ?? ZERO,
      dram: l.dram ?? ZERO,
      energyPJ: l.energyPJ,
    })),
    totals: {
      totalCycles: m.latencyCycles,
      arrayCycles: m.arrayCycles,
      vectorCycles: m.vectorCycles,
      stallCycles: m.layers.reduce((s, l) => s + l.stallCycles, 0),
      energyPJ: m.energyMJ * 1e9,
      areaMM2: m.areaMM2,
    },
  };
}

function table(r: JsonReport): string {
  const head = [
    'layer',
    'cycles',
    'stalls',
    'util%',
    'map%',
    'comp%',
    'sram if/fi/of',
    'dram if/fi/of',
    'energy pJ',
  ];
  const f = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  const c = (o: OperandCounts) => `${o.ifmapReads}/${o.filterReads}/${o.ofmapWrites}`;
  const rows = r.layers.map((l) => [
    l.name,
    String(l.totalCycles),
    String(l.stallCycles),
    f(l.overallUtilPct),
    f(l.mappingEfficiencyPct),
    f(l.computeUtilPct),
    c(l.sram),
    c(l.dram),
    l.energyPJ.toExponential(3),
  ]);
  rows.push([
    'TOTAL',
    String(r.totals.totalCycles),
    String(r.totals.stallCycles),
    '',
    '',
    '',
    '',
    '',
    r.totals.energyPJ.toExponential(3),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (row: string[]) =>
    row.map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ');
  const split =
    r.totals.vectorCycles > 0
      ? `\n${r.totals.arrayCycles} array cycles (SCALE-Sim's part) + ${r.totals.vectorCycles} vector-unit cycles (not modelled by SCALE-Sim)`
      : '';
  return `${[line(head), ...rows.map(line)].join('\n')}${split}\narea ${r.totals.areaMM2.toFixed(4)} mm²\n`;
}

/** What --network architectures are laid out on when --shape and --classes are not given. */
const DEFAULT_INPUT = builtinDataset('builtin:digits')!;

/** --shape H,W,C and --classes N, with the built-in digits set's as defaults. */
function inputFlags(
  shape: string | undefined,
  classes: string | undefined,
): { shape: [number, number, number]; classes: number } {
  const raw = {
    shape:
      shape === undefined
        ? DEFAULT_INPUT.shape
        : shape.split(',').map((v) => (/^\s*\d+\s*$/.test(v) ? Number(v) : v)),
    classes:
      classes === undefined ? DEFAULT_INPUT.numClasses : /^\d+$/.test(classes) ? Number(classes) : classes,
  };
  const r = InputSchema.safeParse(raw);
  if (!r.success)
    throw new UsageError(
      r.error.issues
        .map(
          (i) => `--${String(i.path[0])}${i.path.length > 1 ? `[${String(i.path[1])}]` : ''}: ${i.message}`,
        )
        .join('\n'),
    );
  return r.data;
}

const FLAGS = {
  config: { type: 'string', value: 'FILE.cfg', description: 'a SCALE-Sim architecture config (.cfg)' },
  topology: {
    type: 'string',
    value: 'FILE.csv',
    description: 'a SCALE-Sim topology CSV (conv layers; GEMM rows with --gemm)',
  },
  gemm: { type: 'boolean', description: 'read --topology as GEMM rows (M, N, K) instead of conv layers' },
  fast: {
    type: 'boolean',
    description: 'the closed-form fast tier (what a search uses for screening) instead of the exact one',
  },
  json: { type: 'boolean', description: 'print the per-layer report as JSON instead of a table' },
  accelerator: {
    type: 'string',
    value: 'JSON|FILE',
    defaultText: "the --network candidate's own",
    description: 'an accelerator config (inline JSON or a file)',
  },
  network: {
    type: 'string',
    value: 'JSON|FILE',
    description: 'a layer summary, an architecture, a candidate or a results.json entry',
  },
  shape: {
    type: 'string',
    value: 'H,W,C',
    defaultText: `builtin:digits' ${DEFAULT_INPUT.shape.join(',')}`,
    description: 'input shape an architecture is laid out on',
  },
  classes: {
    type: 'string',
    value: 'N',
    defaultText: `builtin:digits' ${DEFAULT_INPUT.numClasses}`,
    description: 'number of outputs of an architecture',
  },
} as const;

export const command: Command = {
  name: 'simulate',
  summary: 'Simulate an accelerator: SCALE-Sim .cfg + topology CSV, or our accelerator + network JSON',
  usage:
    'cosearch simulate --config FILE.cfg --topology FILE.csv [--gemm] [--fast] [--json]\n' +
    '       cosearch simulate [--accelerator JSON|FILE] --network JSON|FILE [--shape H,W,C] [--classes N] [--fast] [--json]',
  flags: FLAGS,
  examples: [
    ['cosearch simulate --config arch.cfg --topology net.csv', 'a SCALE-Sim pair, exact tier'],
    ['cosearch simulate --network cand.json --fast --json', 'a results.json entry on its own accelerator'],
  ],
  details:
    '--network takes a layer summary, or an architecture as `cosearch train --arch` and results.json hold\n' +
    'it (a NetworkArch, a candidate {network, accelerator, ...}, or a results.json entry {candidate});\n' +
    "an architecture is laid out on --shape with --classes outputs. A candidate's own accelerator is\n" +
    'used when --accelerator is not given.',
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS, false);
    const fast = values.fast === true;
    let report: JsonReport;
    if (values.config !== undefined || values.topology !== undefined) {
      if (values.config === undefined || values.topology === undefined)
        throw new UsageError('--config and --topology go together');
      if (values.accelerator !== undefined || values.network !== undefined)
        throw new UsageError('use either --config/--topology or --accelerator/--network, not both');
      const cfgText = await readText(values.config, 'config');
      const topoText = await readText(values.topology, 'topology');
      report = fromCfg(cfgText, values.config, topoText, values.topology, values.gemm === true, fast);
    } else if (values.network !== undefined) {
      if (values.gemm) throw new UsageError('--gemm applies to --topology files only');
      const { shape, classes } = inputFlags(values.shape, values.classes);
      report = await fromSpec(values.accelerator, values.network, shape, classes, fast);
    } else
      throw new UsageError(
        `give --config and --topology, or --network (and --accelerator)\n\nUsage: ${this.usage}`,
      );
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : table(report));
    return 0;
  },
};
