import { readFile } from 'node:fs/promises';
import { assertRunnable, SpecNotRunnableError } from '../../core/engine/create.js';
import { exampleSpec, formatIssues, parseSpecText } from '../../core/spec/parse.js';
import type { SearchSpec } from '../../core/spec/schema.js';
import { UsageError } from '../cli.js';

/** A runnable spec, or a UsageError naming the field. */
export async function loadRunnableSpec(path: string | undefined): Promise<SearchSpec> {
  const spec = await loadSpecFile(path);
  try {
    assertRunnable(spec);
  } catch (e) {
    if (!(e instanceof SpecNotRunnableError)) throw e;
    throw new UsageError(`${path ?? 'spec'} cannot run as given:\n${formatIssues(e.issues)}`);
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
    throw new UsageError(
      `cannot read spec ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const r = parseSpecText(text);
  if (!r.ok) throw new UsageError(`${path} is not a valid spec:\n${formatIssues(r.issues)}`);
  return { text, spec: r.value };
}
