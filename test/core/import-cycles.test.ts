// core/ has no cycles of value imports (type-only imports are erased and may point anywhere):
// a cycle makes module order matter and drags unrelated code (the trainer) into light callers.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative value imports of a file (`import type` and `import { type a, type b }` excluded). */
export function valueImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.[^']+)';/gms)) {
    if (m[2]) continue;
    const names = /\{([^}]*)\}/s.exec(m[3] ?? '')?.[1];
    const onlyTypes =
      names !== undefined &&
      !/^\s*\w/.test((m[3] ?? '').replace(/\{[^}]*\}/s, '').replace(/,/g, '')) &&
      names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .every((n) => n.startsWith('type '));
    if (onlyTypes) continue;
    out.push(normalize(join(dirname(file), m[4]!.replace(/\.js$/, '.ts'))));
  }
  for (const m of text.matchAll(/^import\s+'(\.[^']+)';/gm))
    out.push(normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
  return out;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

describe('core/', () => {
  it('has no value-import cycles', () => {
    const graph = new Map<string, string[]>();
    for (const f of tsFiles('core')) graph.set(f, valueImports(f, readFileSync(f, 'utf8')));
    expect(graph.size).toBeGreaterThan(50);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('finds a cycle when there is one', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'a']);
    expect(
      valueImports('core/x/a.ts', "import { type A, b } from './b.js';\nimport type { C } from '../c.js';"),
    ).toEqual(['core/x/b.ts']);
  });
});
