// Turns untrusted input (a JSON text or a parsed value) into a SearchSpec, or a list of
// problems that each name a JSON path. Structural guards run before zod so that hostile
// shapes (prototype keys, deep nesting) never reach the schema.
import type { z } from 'zod';
import { type SearchSpec, SearchSpec as SearchSpecSchema } from './schema.js';

export interface SpecIssue {
  /** JSON path such as `$.strategy.batchSize`. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: SpecIssue[] };

export const MAX_DEPTH = 16;
export const MAX_SPEC_BYTES = 1_000_000;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/** Problems with the raw shape: non-object top, forbidden keys, excessive nesting. */
export function structuralIssues(value: unknown, maxDepth = MAX_DEPTH): SpecIssue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [{ path: '$', message: `a spec must be a JSON object, got ${describe(value)}` }];
  const issues: SpecIssue[] = [];
  const walk = (v: unknown, path: PropertyKey[], depth: number): void => {
    if (issues.length >= 50 || v === null || typeof v !== 'object') return;
    if (depth > maxDepth) {
      issues.push({ path: jsonPath(path), message: `nesting deeper than ${maxDepth} levels` });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...path, i], depth + 1);
      return;
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k))
        issues.push({ path: jsonPath([...path, k]), message: `forbidden key "${k}"` });
      else walk((v as Record<string, unknown>)[k], [...path, k], depth + 1);
    }
  };
  walk(value, [], 0);
  return issues;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

export function zodIssues(error: z.ZodError): SpecIssue[] {
  return error.issues.flatMap((i) => {
    // One issue per unknown field, with the path of the field itself.
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ path: jsonPath([...i.path, k]), message: `unknown field "${k}"` }));
    let message = i.message;
    if (i.code === 'invalid_union' && message === 'Invalid input')
      message = 'does not match any allowed form (see `cosearch schema`)';
    return [{ path: jsonPath(i.path), message }];
  });
}

/** Validate any value against a zod schema after the structural guards. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): ParseResult<z.infer<S>> {
  const structural = structuralIssues(raw);
  if (structural.length > 0) return { ok: false, issues: structural };
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: zodIssues(r.error) };
}

export function parseSpec(raw: unknown): ParseResult<SearchSpec> {
  return parseWith(SearchSpecSchema, raw);
}

/** JSON text to spec. Duplicate or prototype keys survive JSON.parse as own keys, so the guards see them. */
export function parseSpecText(text: string): ParseResult<SearchSpec> {
  if (Buffer.byteLength(text, 'utf8') > MAX_SPEC_BYTES)
    return { ok: false, issues: [{ path: '$', message: `spec larger than ${MAX_SPEC_BYTES} bytes` }] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, issues: [{ path: '$', message: `not valid JSON: ${(e as Error).message}` }] };
  }
  return parseSpec(raw);
}

export function formatIssues(issues: readonly SpecIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
}

/** The built-in example: the empty spec with every default filled in. */
export function exampleSpec(): SearchSpec {
  return SearchSpecSchema.parse({});
}
