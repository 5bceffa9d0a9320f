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

/** Edit distance, for "did you mean" on unknown fields and bad choices. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest of `names` to `word`, if it is close enough to be a typo (case ignored). */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const d = distance(word.toLowerCase(), n.toLowerCase());
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

type Def = { type?: string; [k: string]: unknown };
const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The schemas a value at `path` may be checked against (wrappers unwrapped, union options spread). */
function schemasAt(schema: unknown, path: readonly PropertyKey[]): unknown[] {
  const expand = (s: unknown, depth = 0): unknown[] => {
    const d = defOf(s);
    if (!d || depth > 20) return [];
    switch (d.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return expand(d.innerType, depth + 1);
      case 'pipe':
        return expand(d.in, depth + 1);
      case 'lazy':
        return expand((d.getter as () => unknown)(), depth + 1);
      case 'union':
        return (d.options as unknown[]).flatMap((o) => expand(o, depth + 1));
      default:
        return [s];
    }
  };
  let here = expand(schema);
  for (const p of path)
    here = here.flatMap((s) => {
      const d = defOf(s)!;
      if (d.type === 'object') {
        const shape = d.shape as Record<string, unknown>;
        return typeof p === 'string' && p in shape ? expand(shape[p]) : [];
      }
      if (d.type === 'array') return expand(d.element);
      if (d.type === 'record') return expand(d.valueType);
      if (d.type === 'tuple') return typeof p === 'number' ? expand((d.items as unknown[])[p]) : [];
      return [];
    });
  return here;
}

/** The field names allowed where an unknown key was found. */
function fieldsAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  const names = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const d = defOf(s);
    if (d?.type === 'object') for (const k of Object.keys(d.shape as object)) names.add(k);
  }
  return [...names];
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * zod issues as JSON paths and messages for people. With the schema and the raw input, an unknown
 * field names the closest allowed one, and a bad choice lists the allowed values and what was given.
 */
export function zodIssues(error: z.ZodError, schema?: z.ZodType, raw?: unknown): SpecIssue[] {
  return error.issues.flatMap((i) => {
    // One issue per unknown field, with the path of the field itself.
    if (i.code === 'unrecognized_keys') {
      const allowed = schema ? fieldsAt(schema, i.path) : [];
      return i.keys.map((k) => {
        const near = closest(k, allowed);
        const hint = near
          ? ` (did you mean "${near}"?)`
          : allowed.length
            ? ` (allowed: ${allowed.join(', ')})`
            : '';
        return { path: jsonPath([...i.path, k]), message: `unknown field "${k}"${hint}` };
      });
    }
    let message = i.message;
    if (i.code === 'invalid_value' && i.values.length > 1) {
      const given = raw === undefined ? undefined : valueAt(raw, i.path);
      const near =
        typeof given === 'string'
          ? closest(
              given,
              i.values.filter((v) => typeof v === 'string'),
            )
          : undefined;
      message = `must be one of ${i.values.map(show).join(', ')}${given === undefined ? '' : `, got ${show(given)}`}${near ? ` (did you mean "${near}"?)` : ''}`;
    }
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
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: zodIssues(r.error, schema, raw) };
}

export function parseSpec(raw: unknown): ParseResult<SearchSpec> {
  const r = parseWith(SearchSpecSchema, raw);
  if (!r.ok) return r;
  // "$schema" points editors at docs/spec.schema.json; it is not part of the search.
  const { $schema: _, ...spec } = r.value;
  return { ok: true, value: spec };
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
