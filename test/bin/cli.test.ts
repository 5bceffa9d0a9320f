// The CLI's own surface: help pages, --version, did-you-mean, and errors without stacks.
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../bin/commands/index.js';
import { cosearch, mainInOneProcess, type Run } from '../helpers/cli.js';

const NAMES = Object.keys(commands);

/** The option lines of a help page: flag, and the description that follows it (wrapped lines joined). */
function optionsOf(help: string): { flag: string; text: string }[] {
  const section = help.split('\nOptions:\n')[1]?.split(/\n\n/)[0] ?? '';
  const out: { flag: string; text: string }[] = [];
  for (const line of section.split('\n')) {
    const m = /^ {2}((?:-\w, )?--[\w-]+(?: <[^>]+>)?)(?: {2,}(.*))?$/.exec(line);
    if (m) out.push({ flag: m[1]!, text: m[2] ?? '' });
    else if (out.length && /^ {4,}\S/.test(line)) out.at(-1)!.text += ` ${line.trim()}`;
  }
  return out;
}

// Each process pays a second or more to load tsx and the commands: one process runs every case.
const CASES = {
  run: ['run', '--help'],
  train: ['train', '--help'],
  helpRun: ['help', 'run'],
  top: ['--help'],
  version: ['--version'],
  cmd: ['rn'],
  flag: ['run', '--sotre', 'x'],
  choice: ['train', '--optimizer', 'adamw'],
  missing: ['ls', '--store'],
  extra: ['ls', 'extra'],
  weightDecay: ['train', '--weight-decay=-5'],
} as const;
let runs: Run[] = [];
let got: Record<keyof typeof CASES, Run>;
beforeAll(async () => {
  const all = await mainInOneProcess([
    ...NAMES.map((n) => [n, '--help']),
    ...Object.values(CASES).map((c) => [...c]),
  ]);
  runs = all.slice(0, NAMES.length);
  got = Object.fromEntries(Object.keys(CASES).map((k, i) => [k, all[NAMES.length + i]!])) as typeof got;
});

describe('cosearch help', () => {
  it('every command has a help page: usage, each flag with its meaning, and examples', () => {
    for (const [i, name] of NAMES.entries()) {
      const r = runs[i]!;
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^Usage: cosearch ${name}`));
      const options = optionsOf(r.stdout);
      expect(options.length, name).toBeGreaterThan(1);
      for (const o of options)
        expect(o.text.length, `${name} ${o.flag} has no description`).toBeGreaterThan(5);
      expect(r.stdout, name).toMatch(/\nExamples:\n {2}cosearch /);
    }
  });

  it('shows defaults and choices, and `help CMD` is `CMD --help`', () => {
    const { run, train, helpRun, top } = got;
    expect(run!.stdout).toMatch(/--store <URI>\s+where searches live.*\(default:\s+"file:\/\/\.\/runs"\)/s);
    expect(run!.stdout).toMatch(/--workers <N>.*\(default: the spec's\s+strategy\.concurrency\)/s);
    expect(train!.stdout).toMatch(/--optimizer <NAME>.*\(choices: "adam", "sgd"\)/s);
    expect(helpRun!.stdout).toBe(run!.stdout);
    for (const n of NAMES) expect(top!.stdout).toMatch(new RegExp(`^ {2}${n} +\\S`, 'm'));
    // The help promises nothing that does not exist.
    expect(top!.stdout + runs[NAMES.indexOf('remote')]!.stdout).not.toMatch(/watch/);
  });
});

describe('cosearch input errors', () => {
  it('--version prints the version; a mistyped command or flag gets a suggestion and exit 2', () => {
    const { version, cmd, flag, choice, missing, extra } = got;
    expect(version!.code).toBe(0);
    expect(version!.stdout).toMatch(/^cosearch \d+\.\d+\.\d+\n$/);
    expect(cmd!.code).toBe(2);
    expect(cmd!.stderr).toMatch(/unknown command 'rn'\n\(Did you mean run\?\)/);
    expect(flag!.code).toBe(2);
    expect(flag!.stderr).toMatch(/^cosearch run: unknown option '--sotre'\n\(Did you mean --store\?\)/);
    expect(choice!.code).toBe(2);
    expect(choice!.stderr).toMatch(
      /--optimizer <NAME>' argument 'adamw' is invalid\. Allowed choices are adam, sgd/,
    );
    expect(missing!.code).toBe(2);
    expect(missing!.stderr).toMatch(/option '--store <URI>' argument missing/);
    expect(extra!.code).toBe(2);
    expect(extra!.stderr).toMatch(/unexpected argument "extra"/);
    expect(got.weightDecay!.code).toBe(2);
    expect(got.weightDecay!.stderr).toMatch(/--weight-decay must be between 0 and 1, got -5/);
    // Node's parseArgs wording never reaches the user.
    for (const r of [flag, choice, missing, extra])
      expect(r!.stderr).not.toMatch(/ERR_PARSE_ARGS|Unknown option/);
  });

  it('as a whole process: --version exits 0, a typo exits 2', async () => {
    const [v, typo] = await Promise.all([cosearch(['-V']), cosearch(['resme'])]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^cosearch \d/);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/Did you mean resume\?/);
  });

  it('remote without AWS credentials says so in one line, with no stack trace', async () => {
    // No credential source at all, and no instance-metadata lookup (it would leave the machine).
    const r = await cosearch(['remote', 'list', '--api', 'http://127.0.0.1:9/v1'], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'cosearch remote: no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws sso login`\n',
    );
  });
});
