// Every CLI subcommand, loaded lazily so `cosearch validate` does not load tfjs.
import type { Command, Flags } from '../cli.js';

export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'Run a search locally', load: async () => (await import('./run.js')).command },
  resume: {
    summary: 'Continue a stopped or interrupted search',
    load: async () => (await import('./resume.js')).command,
  },
  ls: { summary: 'List the searches in a store', load: async () => (await import('./inspect.js')).ls },
  status: { summary: "Show a search's progress", load: async () => (await import('./inspect.js')).status },
  results: {
    summary: "Print a search's Pareto front or every candidate",
    load: async () => (await import('./inspect.js')).results,
  },
  export: {
    summary: 'Export every trial for a spreadsheet, Optuna or MLflow',
    load: async () => (await import('./export.js')).command,
  },
  serve: { summary: 'Serve the REST API locally', load: async () => (await import('./serve.js')).command },
  validate: { summary: 'Validate a search spec', load: async () => (await import('./validate.js')).command },
  space: { summary: "Print a spec's search space", load: async () => (await import('./space.js')).command },
  train: {
    summary: 'Train one child network (or retrain a stored candidate)',
    load: async () => (await import('./train.js')).command,
  },
  schema: {
    summary: 'Print or write the JSON Schema of a spec',
    load: async () => (await import('./schema.js')).command,
  },
  simulate: {
    summary: 'Simulate an accelerator running a network',
    load: async () => (await import('./simulate.js')).command,
  },
  remote: {
    summary: 'Drive a deployed stack (SigV4)',
    load: async () => (await import('./remote.js')).command,
  },
};

/**
 * Help text for commands whose module declares flags without descriptions (simulate's flags live in
 * its own module, kept by the simulator's owner): used only where the command gives none.
 */
const FALLBACK_DOCS: Record<string, { flags: Flags; examples: readonly (readonly [string, string])[] }> = {
  simulate: {
    flags: {
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
        description: "an accelerator config (inline JSON or a file); default: the --network candidate's own",
      },
      network: {
        type: 'string',
        value: 'JSON|FILE',
        description: 'a layer summary, an architecture, a candidate or a results.json entry',
      },
      shape: {
        type: 'string',
        value: 'H,W,C',
        defaultText: '8,8,1 (builtin:digits)',
        description: 'input shape an architecture is laid out on',
      },
      classes: {
        type: 'string',
        value: 'N',
        defaultText: '10',
        description: 'number of outputs of an architecture',
      },
    },
    examples: [
      ['cosearch simulate --config arch.cfg --topology net.csv', 'a SCALE-Sim pair, exact tier'],
      ['cosearch simulate --network cand.json --fast --json', 'a results.json entry on its own accelerator'],
    ],
  },
};

/** The command with descriptions filled in from FALLBACK_DOCS where its own flags have none. */
export function withFallbackDocs(cmd: Command, flags: Flags = cmd.flags ?? {}): Command & { flags: Flags } {
  const docs = FALLBACK_DOCS[cmd.name];
  const merged: Record<string, Flags[string]> = {};
  for (const [name, f] of Object.entries(flags))
    merged[name] = f.description ? f : { ...f, ...docs?.flags[name], type: f.type };
  return {
    ...cmd,
    flags: merged,
    ...(cmd.examples === undefined && docs ? { examples: docs.examples } : {}),
  } as Command & { flags: Flags };
}
