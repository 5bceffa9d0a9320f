import { readFile } from 'node:fs/promises';
import { exampleSpec, formatIssues, parseSpecText } from '../../core/spec/parse.js';
import type { SearchSpec } from '../../core/spec/schema.js';
import { UsageError } from '../cli.js';

/** Strategies the schema accepts but the engine cannot run yet. */
export const NOT_BUILT: Record<string, string> = {
  autohas: 'the AutoHAS one-shot mode is not built yet; use reinforce, ppo, evolution, random or two-phase',
};

/** A runnable spec, or a UsageError naming the field. */
export async function loadRunnableSpec(path: string | undefined): Promise<SearchSpec> {
  const spec = await loadSpecFile(path);
  const why = NOT_BUILT[spec.strategy.name];
  if (why) throw new UsageError(`${path ?? 'spec'}: $.strategy.name: ${why}`);
  return spec;
}

/** Load and validate a spec file; no path means the built-in example. */
export async function loadSpecFile(path: string | undefined): Promise<SearchSpec> {
  if (!path) return exampleSpec();
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
  return r.value;
}
