// Every CLI subcommand, loaded lazily so `cosearch validate` does not load tfjs.
import type { Command } from '../cli.js';

export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'Run a search locally', load: async () => (await import('./run.js')).command },
  validate: { summary: 'Validate a search spec', load: async () => (await import('./validate.js')).command },
  space: { summary: "Print a spec's search space", load: async () => (await import('./space.js')).command },
  schema: {
    summary: 'Print or write the JSON Schema of a spec',
    load: async () => (await import('./schema.js')).command,
  },
  simulate: {
    summary: 'Simulate an accelerator running a network',
    load: async () => (await import('./simulate.js')).command,
  },
};
