import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { simulateNetwork } from '../../core/accelerator/index.js';
import {
  parseScaleSimCfg,
  parseTopologyCsv,
  ScaleSimInputError,
} from '../../core/accelerator/scalesim-io.js';
import { AcceleratorConfigSchema, NetworkSummarySchema } from '../../core/accelerator/schema.js';
import { exactLayer } from '../../core/accelerator/systolic/exact.js';
import { fastLayer } from '../../core/accelerator/systolic/fast.js';
import {
  systolicArea,
  systolicArray,
  systolicLayerEnergyPJ,
} from '../../core/accelerator/systolic/template.js';
import type { OperandCounts } from '../../core/accelerator/types.js';
import { formatIssues, parseWith } from '../../core/spec/parse.js';
import { type Command, parseFlags, printUsage, UsageError } from '../cli.js';

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
  totals: { totalCycles: number; stallCycles: number; energyPJ: number; areaMM2: number };
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
async function readJson<S extends z.ZodType>(flag: string, value: string, schema: S): Promise<z.infer<S>> {
  const inline = value.trimStart().startsWith('{');
  const where = inline ? `--${flag}` : value;
  const text = inline ? value : await readText(value, `--${flag} file`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: not valid JSON: ${(e as Error).message}`);
  }
  const r = parseWith(schema, raw);
  if (!r.ok) throw new UsageError(`${where} is not valid:\n${formatIssues(r.issues)}`);
  return r.value;
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
    totals: { totalCycles: 0, stallCycles: 0, energyPJ: 0, areaMM2: systolicArea(cfg.config) },
  };
  for (const l of layers) {
    const r = fast ? fastLayer(l, a) : exactLayer(l, a);
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
    report.totals.stallCycles += r.stallCycles;
    report.totals.energyPJ += energyPJ;
  }
  return report;
}

const ZERO: OperandCounts = { ifmapReads: 0, filterReads: 0, ofmapWrites: 0 };

async function fromSpec(accelerator: string, network: string, fast: boolean): Promise<JsonReport> {
  const config = await readJson('accelerator', accelerator, AcceleratorConfigSchema);
  const net = await readJson('network', network, NetworkSummarySchema);
  let m: ReturnType<typeof simulateNetwork>;
  try {
    m = simulateNetwork(net, config, fast ? 'fast' : 'exact');
  } catch (e) {
    throw new UsageError(`--network: ${(e as Error).message}`);
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
  return `${[line(head), ...rows.map(line)].join('\n')}\narea ${r.totals.areaMM2.toFixed(4)} mm²\n`;
}

export const command: Command = {
  name: 'simulate',
  summary: 'Simulate an accelerator: SCALE-Sim .cfg + topology CSV, or our accelerator + network JSON',
  usage:
    'cosearch simulate --config FILE.cfg --topology FILE.csv [--gemm] [--fast] [--json]\n' +
    '       cosearch simulate --accelerator JSON|FILE --network JSON|FILE [--fast] [--json]',
  async run(argv) {
    const { values } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        topology: { type: 'string' },
        gemm: { type: 'boolean' },
        fast: { type: 'boolean' },
        json: { type: 'boolean' },
        accelerator: { type: 'string' },
        network: { type: 'string' },
      },
      false,
    );
    if (values.help) {
      printUsage(this);
      return 0;
    }
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
    } else if (values.accelerator !== undefined && values.network !== undefined) {
      if (values.gemm) throw new UsageError('--gemm applies to --topology files only');
      report = await fromSpec(values.accelerator, values.network, fast);
    } else
      throw new UsageError(
        `give --config and --topology, or --accelerator and --network\n\nUsage: ${this.usage}`,
      );
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : table(report));
    return 0;
  },
};
