// The cosearch CLI.
import { EXIT_BAD_INPUT, EXIT_FAILURE, UsageError } from './cli.js';
import { commands } from './commands/index.js';

function help(): string {
  const rows = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `cosearch: joint search over networks, hyper-parameters and accelerators\n\nUsage: cosearch <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun "cosearch <command> --help" for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : EXIT_BAD_INPUT;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`cosearch: unknown command "${name}"\n\n${help()}`);
    return EXIT_BAD_INPUT;
  }
  try {
    return await (await entry.load()).run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cosearch ${name}: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`cosearch ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  }
}

// `cosearch results ID --csv | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
