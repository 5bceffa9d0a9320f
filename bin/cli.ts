// Shared CLI plumbing: the Command shape, flag parsing through commander (did-you-mean, choices,
// messages that name the flag), help pages, and exit codes (0 ok, 1 failure, 2 bad input).
import { Command as Commander, CommanderError, Option } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** One flag: its type, what it does, and what it is when not given. */
export interface Flag {
  type: 'string' | 'boolean';
  /** What the flag does, for --help. */
  description?: string;
  /** The value's placeholder in help, e.g. URI or N (default: VALUE). */
  value?: string;
  /** Applied when the flag is absent, and shown in help. */
  default?: string;
  /** Shown as the default when the flag is absent but nothing fixed applies (e.g. "the spec's seed"). */
  defaultText?: string;
  /** The accepted values; anything else is refused with the list. */
  choices?: readonly string[];
  short?: string;
}

export type Flags = Readonly<Record<string, Flag>>;

/** A positional argument, for --help. */
export interface Arg {
  name: string;
  description: string;
  required?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage lines after `cosearch` (default: built from args and flags). */
  usage: string;
  args?: readonly Arg[];
  /** Declared for --help; run() parses them with parseFlags. */
  flags?: Flags;
  /** Whole command lines, each with a short comment. */
  examples?: readonly (readonly [string, string])[];
  /** More text for --help, after the flags. */
  details?: string;
  run(argv: string[]): Promise<number>;
}

/** Bad input from the user: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** --help or -h was given: main prints the command's help page and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly flags: Flags) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

type FlagValue<F extends Flag> = F['type'] extends 'boolean'
  ? boolean | undefined
  : F extends { default: string }
    ? string
    : string | undefined;

/** The parsed flags (--help never shows here: it throws HelpRequested first). */
export type FlagValues<O extends Flags> = { -readonly [K in keyof O]: FlagValue<O[K]> };

function optionOf(name: string, f: Flag): Option {
  const short = f.short ? `-${f.short}, ` : '';
  // commander shows a default only when there is a value: a described one goes in the text.
  const text =
    f.default === undefined && f.defaultText !== undefined
      ? `${f.description ?? ''} (default: ${f.defaultText})`
      : (f.description ?? '');
  const o = new Option(`${short}--${name}${f.type === 'string' ? ` <${f.value ?? 'VALUE'}>` : ''}`, text);
  if (f.default !== undefined) o.default(f.default);
  if (f.choices) o.choices(f.choices);
  return o;
}

/** commander's message without its "error: " prefix, and with a plainer excess-arguments line. */
function plainMessage(e: CommanderError, argv: readonly string[]): string {
  const msg = e.message.replace(/^error: /, '');
  if (e.code === 'commander.excessArguments') {
    const extra = argv.find((a) => !a.startsWith('-'));
    return extra === undefined ? 'unexpected argument' : `unexpected argument "${extra}"`;
  }
  return msg;
}

const silent = { writeErr: () => {}, writeOut: () => {} };

/**
 * Parses a command's flags with commander: unknown flags get a "did you mean", choices are checked,
 * a missing value names its flag. --help/-h throws HelpRequested (main prints the page).
 */
export function parseFlags<O extends Flags>(
  argv: string[],
  flags: O,
  allowPositionals = true,
): { values: FlagValues<O>; positionals: string[] } {
  const dashDash = argv.indexOf('--');
  const before = dashDash < 0 ? argv : argv.slice(0, dashDash);
  if (before.includes('--help') || before.includes('-h')) throw new HelpRequested(flags);
  const c = new Commander('cosearch').exitOverride().configureOutput(silent).helpOption(false);
  const attrs: [string, string][] = [];
  for (const [name, f] of Object.entries(flags)) {
    const o = optionOf(name, f);
    c.addOption(o);
    attrs.push([name, o.attributeName()]);
  }
  if (allowPositionals) c.argument('[args...]');
  try {
    c.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new UsageError(plainMessage(e, argv));
    throw e;
  }
  const opts = c.opts();
  const values: Record<string, unknown> = {};
  for (const [name, attr] of attrs) if (opts[attr] !== undefined) values[name] = opts[attr];
  return { values: values as FlagValues<O>, positionals: allowPositionals ? [...c.args] : [] };
}

export function positiveInt(flag: string, value: string | undefined, max = 1e9): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

/** A command's help page: summary, usage, arguments, every flag with its default, and examples. */
export function helpText(cmd: Command, flags: Flags = cmd.flags ?? {}): string {
  const c = new Commander(`cosearch ${cmd.name}`).helpOption('-h, --help', 'show this help');
  c.description(cmd.summary);
  c.usage(cmd.usage.replace(new RegExp(`^cosearch ${cmd.name} ?`), ''));
  for (const a of cmd.args ?? []) c.argument(a.required ? `<${a.name}>` : `[${a.name}]`, a.description);
  for (const [name, f] of Object.entries(flags)) c.addOption(optionOf(name, f));
  const width = Math.max(0, ...(cmd.examples ?? []).map(([line]) => line.length));
  const examples = cmd.examples?.length
    ? `\nExamples:\n${cmd.examples.map(([line, what]) => `  ${line.padEnd(width)}  # ${what}`).join('\n')}\n`
    : '';
  const details = cmd.details ? `\n${cmd.details.trimEnd()}\n` : '';
  return `${c.helpInformation({ error: false })}${details}${examples}`;
}
