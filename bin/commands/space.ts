import { SearchSpace } from '../../core/space/encoding.js';
import { type Command, parseFlags, UsageError } from '../cli.js';

const FLAGS = {
  json: { type: 'boolean', description: 'print {decisions, log10Size} as JSON' },
} as const;

import { loadSpecFile } from './spec-file.js';

export const command: Command = {
  name: 'space',
  summary: "Print a spec's search space: every decision with its choices, in encoding order.",
  usage: 'cosearch space [SPEC.json] [--json]',
  args: [{ name: 'SPEC.json', description: 'the spec (default: the built-in example)' }],
  flags: FLAGS,
  examples: [
    ['cosearch space', "the built-in example's decisions"],
    ['cosearch space spec.json --json', 'as JSON'],
  ],
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS);
    if (positionals.length > 1)
      throw new UsageError(`expected at most one spec file, got ${positionals.length}`);
    const space = new SearchSpace(await loadSpecFile(positionals[0]));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ decisions: space.decisions, log10Size: space.log10Size })}\n`);
      return 0;
    }
    const width = Math.max(...space.decisions.map((d) => d.name.length));
    for (const d of space.decisions)
      process.stdout.write(`${d.name.padEnd(width)}  ${d.choices.map(String).join(' | ')}\n`);
    process.stdout.write(
      `\n${space.decisions.length} decisions, ~10^${space.log10Size.toFixed(2)} token sequences\n`,
    );
    return 0;
  },
};
