// The cosearch CLI: commander dispatches to the named command (loaded lazily, so `validate` never
// loads tfjs), answers --version and suggests the closest command for a typo.
import { readFileSync } from 'node:fs';
import { Command as Commander, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, HelpRequested, helpText, UsageError } from './cli.js';
import { commands } from './commands/index.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const rows = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `cosearch ${VERSION}: joint search over networks, hyper-parameters and accelerators

Usage: cosearch <command> [options]

Commands:
${rows.join('\n')}

Options:
  -V, --version  print the version
  -h, --help     show this help

Examples:
  cosearch run                      # the built-in example search (digits, 6 × 6 candidates)
  cosearch run spec.json --workers 2
  cosearch results SEARCH_ID        # the Pareto front as a table
  cosearch run --help               # every flag of one command

Run "cosearch <command> --help" for a command's flags, defaults and examples.
`;
}

/** The command named on the line and its own arguments, or a UsageError/version answer. */
function dispatch(argv: string[]): { name: string; args: string[] } | { version: true } {
  let chosen: { name: string; args: string[] } | undefined;
  const program = new Commander('cosearch')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .helpOption(false)
    .helpCommand(false);
  for (const [name, c] of Object.entries(commands))
    program
      .command(name)
      .description(c.summary)
      .helpOption(false)
      .passThroughOptions()
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action((_args, _opts, cmd: Commander) => {
        chosen = { name, args: [...cmd.args] };
      });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && e.code === 'commander.version') return { version: true };
    if (e instanceof CommanderError) throw new UsageError(e.message.replace(/^error: /, ''));
    throw e;
  }
  if (!chosen) throw new UsageError('no command given');
  return chosen;
}

/** The AWS credential chain found nothing (remote, s3:// stores): its own stack says nothing useful. */
function isMissingCredentials(e: unknown): boolean {
  return (
    e instanceof Error &&
    (e.name === 'CredentialsProviderError' ||
      /Could not load credentials from any providers/i.test(e.message))
  );
}

export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (!first) {
    process.stderr.write(help());
    return EXIT_BAD_INPUT;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && !second)) {
    process.stdout.write(help());
    return EXIT_OK;
  }
  // `cosearch help run` is `cosearch run --help`.
  const line = first === 'help' && second ? [second, '--help'] : argv;
  let target: ReturnType<typeof dispatch>;
  try {
    target = dispatch(line);
  } catch (e) {
    process.stderr.write(`cosearch: ${(e as Error).message}\nRun "cosearch --help" for the commands.\n`);
    return EXIT_BAD_INPUT;
  }
  if ('version' in target) {
    process.stdout.write(`cosearch ${VERSION}\n`);
    return EXIT_OK;
  }
  const { name, args } = target;
  const entry = commands[name]!;
  const cmd = await entry.load();
  try {
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(helpText(cmd, e.flags));
      return EXIT_OK;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`cosearch ${name}: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (isMissingCredentials(e)) {
      process.stderr.write(
        `cosearch ${name}: no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run \`aws sso login\`\n`,
      );
      return EXIT_FAILURE;
    }
    // A failure, not bad input: one line; the stack only when asked for.
    const err = e as Error;
    const detail = process.env.COSEARCH_DEBUG ? (err.stack ?? String(e)) : (err.message ?? String(e));
    process.stderr.write(
      `cosearch ${name}: ${detail}\n${process.env.COSEARCH_DEBUG ? '' : '(set COSEARCH_DEBUG=1 for the stack trace)\n'}`,
    );
    return EXIT_FAILURE;
  }
}

// `cosearch results ID --csv | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
