// Shared CLI plumbing: one Command shape, and exit codes (0 ok, 1 failure, 2 bad input).
import { type ParseArgsConfig, parseArgs } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Bad input from the user: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with --help, strict flags, and errors that name the flag. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function positiveInt(flag: string, value: string | undefined, max = 1e9): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

export function printUsage(cmd: Command): void {
  process.stdout.write(`${cmd.summary}\n\nUsage: ${cmd.usage}\n`);
}
