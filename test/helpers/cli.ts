// Running the cosearch CLI from tests. A process pays about a second of CPU to load tsx and the
// modules, so tables of cases run through the CLI's real `main` in one child (mainInOneProcess);
// `cosearch` runs a whole process, for exit codes end to end.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `cosearch ARGS` as a whole process, from the repository root. */
export function cosearch(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return collect(['--import', 'tsx', 'bin/cosearch.ts', ...args], env);
}

/** Imports bin/cosearch.ts (whose import-time run gets --help, swallowed), then calls main per case. */
const DRIVER = `
const cases = JSON.parse(process.env.COSEARCH_CASES);
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
let cur = { stdout: '', stderr: '' };
process.stdout.write = (c) => { cur.stdout += String(c); return true; };
process.stderr.write = (c) => { cur.stderr += String(c); return true; };
process.argv = [process.argv[0], 'cosearch', '--help'];
const { main } = await import('./bin/cosearch.ts');
const results = [];
for (const args of cases) {
  cur = { stdout: '', stderr: '' };
  const code = await main(args);
  results.push({ code, ...cur });
}
process.exitCode = 0;
write.out(JSON.stringify(results));
`;

/** Each case's exit code and output, all run by one process through the CLI's `main`. */
export async function mainInOneProcess(cases: string[][]): Promise<Run[]> {
  const r = await collect(['--import', 'tsx', '--input-type=module', '-e', DRIVER], {
    COSEARCH_CASES: JSON.stringify(cases),
  });
  if (r.code !== 0) throw new Error(`driver exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run[];
}
