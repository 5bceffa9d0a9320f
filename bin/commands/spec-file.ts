import { readFile } from 'node:fs/promises';
import { assertRunnable, SpecNotRunnableError } from '../../core/engine/create.js';
import { exampleSpec, formatIssues, parseSpecText, type SpecIssue } from '../../core/spec/parse.js';
import type { SearchSpec } from '../../core/spec/schema.js';
import { UsageError } from '../cli.js';

/** A refused spec: the message names the file, and `issues` keeps each JSON path for --json. */
export class SpecProblems extends UsageError {
  constructor(
    heading: string,
    readonly issues: SpecIssue[],
    listIssues = true,
  ) {
    super(listIssues ? `${heading}\n${formatIssues(issues)}` : heading);
    this.name = 'SpecProblems';
  }
}

/** A runnable spec, or a UsageError naming the field. */
export async function loadRunnableSpec(path: string | undefined): Promise<SearchSpec> {
  const spec = await loadSpecFile(path);
  try {
    assertRunnable(spec);
  } catch (e) {
    if (!(e instanceof SpecNotRunnableError)) throw e;
    throw new SpecProblems(`${path ?? 'spec'} cannot run as given:`, e.issues);
  }
  return spec;
}

/** Load and validate a spec file; no path means the built-in example. */
export async function loadSpecFile(path: string | undefined): Promise<SearchSpec> {
  return path ? (await readSpecFile(path)).spec : exampleSpec();
}

/** A spec file's text and its validated spec, or a UsageError naming the file and each field. */
export async function readSpecFile(path: string): Promise<{ text: string; spec: SearchSpec }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SpecProblems(
      `cannot read spec ${path}: ${why}`,
      [{ path: '$', message: `cannot read ${path}: ${why}` }],
      false,
    );
  }
  const r = parseSpecText(text);
  if (!r.ok) throw new SpecProblems(`${path} is not a valid spec:`, r.issues);
  return { text, spec: r.value };
}
