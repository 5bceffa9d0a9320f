// The outcome module is the one place that says what "trained" means and how outcomes are
// counted: state.json and results.json both count with countOutcomes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countOutcomes, isTrained } from '../../../core/search/outcome.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('isTrained', () => {
  it('is true for ok and cutShort only', () => {
    expect(['ok', 'cutShort', 'failed', 'infeasible', ''].map(isTrained)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('is the only spelling of the trained test outside the trainer', () => {
    // An `ok || cutShort` pair written out again is a second definition that can drift.
    const pair = /status\s*===\s*'ok'\s*\|\|\s*\S*status\s*===\s*'cutShort'/;
    const hits = ['core', 'lambdas', 'local', 'bin']
      .flatMap(tsFiles)
      .filter((f) => pair.test(readFileSync(f, 'utf8')));
    expect(hits).toEqual([join('core', 'search', 'outcome.ts')]);
  });
});

describe('countOutcomes', () => {
  it('counts a cache hit as cached, not trained, and every evaluation once', () => {
    expect(
      countOutcomes([
        { status: 'ok' },
        { status: 'ok', cached: true },
        { status: 'cutShort' },
        { status: 'failed' },
        { status: 'infeasible' },
      ]),
    ).toEqual({ candidatesEvaluated: 5, trained: 2, cached: 1, failed: 1, infeasible: 1 });
  });
});
