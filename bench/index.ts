// `npm run bench -- <name> [args]`: each benchmark module exports run(args) and returns JSON figures.
const names = ['simulator', 'trainer', 'search', 'autohas', 'data', 'quantize', 'parity', 'study'] as const;

const [name, ...args] = process.argv.slice(2);
if (!name || !(names as readonly string[]).includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${names.join('|')}> [args]\n`);
  process.exit(2);
}
let mod: { run(args: string[]): Promise<unknown> };
try {
  mod = await import(`./${name}.ts`);
} catch (e) {
  process.stderr.write(`benchmark "${name}" is not built yet (${(e as Error).message})\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await mod.run(args), null, 2)}\n`);
