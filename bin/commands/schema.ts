import { writeFile } from 'node:fs/promises';
import { specJsonSchema } from '../../core/spec/json-schema.js';
import { type Command, parseFlags } from '../cli.js';

const FLAGS = {
  out: { type: 'string', value: 'FILE', defaultText: 'stdout', description: 'write the schema to FILE' },
} as const;

export const command: Command = {
  name: 'schema',
  summary: 'Print the JSON Schema of a search spec, generated from the zod schema.',
  usage: 'cosearch schema [--out FILE]',
  flags: FLAGS,
  examples: [
    ['cosearch schema --out docs/spec.schema.json', 'regenerate the committed schema'],
    ['cosearch schema | jq .properties.strategy', 'one group'],
  ],
  details:
    'Editors complete and check a spec that names it: { "$schema": "./docs/spec.schema.json", ... }\n(cosearch accepts and ignores "$schema").',
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS, false);
    const text = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
    if (values.out) await writeFile(values.out, text);
    else process.stdout.write(text);
    return 0;
  },
};
