// Every CLI subcommand, loaded lazily so `cosearch validate` does not load tfjs.
import type { Command } from '../cli.js';

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
