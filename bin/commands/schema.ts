import { writeFile } from 'node:fs/promises';
import { specJsonSchema } from '../../core/spec/json-schema.js';
import { type Command, parseFlags, printUsage } from '../cli.js';

export const command: Command = {
  name: 'schema',
  summary: 'Print the JSON Schema of a search spec, generated from the zod schema.',
  usage: 'cosearch schema [--out FILE]',
  async run(argv) {
    const { values } = parseFlags(argv, { out: { type: 'string' } }, false);
    if (values.help) {
      printUsage(this);
      return 0;
    }
    const text = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
    if (values.out) await writeFile(values.out, text);
    else process.stdout.write(text);
    return 0;
  },
};
