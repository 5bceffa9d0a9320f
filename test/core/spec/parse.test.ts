import { describe, expect, it } from 'vitest';
import {
  exampleSpec,
  formatIssues,
  jsonPath,
  MAX_DEPTH,
  parseSpec,
  parseSpecText,
  parseWith,
  structuralIssues,
} from '../../../core/spec/parse.js';
import { SearchSpec, StrategySpec } from '../../../core/spec/schema.js';
import { BAD_SPECS } from './bad-specs.js';

describe('parseSpecText: bad input', () => {
  it.each(BAD_SPECS.map((b) => [`${b.category}: ${b.name}`, b] as const))('%s', (_, bad) => {
    const r = parseSpecText(bad.text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.path).toBe(bad.path);
    expect(r.issues[0]!.message).toMatch(bad.message);
  });

  it('covers every category the issue names', () => {
    const categories = new Set(BAD_SPECS.map((b) => b.category));
    for (const c of [
      'malformed',
      'unknown field',
      'empty choice list',
      'batch size 0',
      'fractional batch size',
      'number over its bound',
      'unknown strategy',
      'unknown template',
      'dataset URI scheme',
      'non-object top',
      '__proto__',
      'deep nesting',
      'basis count < 2',
      'min >= max',
    ])
      expect(categories.has(c), c).toBe(true);
  });

  it('lists every problem of a spec, each with its own path', () => {
    const r = parseSpecText(
      JSON.stringify({ strategy: { batchSize: 0, name: 'x' }, space: { network: { kernel: [] } }, extra: 1 }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual([
      '$.extra',
      '$.space.network.kernel',
      '$.strategy.batchSize',
      '$.strategy.name',
    ]);
    expect(formatIssues(r.issues)).toContain('  $.strategy.batchSize: ');
  });

  it('a __proto__ key does not pollute prototypes', () => {
    parseSpecText('{"__proto__": {"polluted": true}, "strategy": {"__proto__": {"polluted": true}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('dataset cross-field rules name the field', () => {
    const csvNoShape = parseSpecText('{"dataset": {"uri": "file://./d.csv", "format": "csv"}}');
    expect(csvNoShape.ok || csvNoShape.issues).toEqual([
      { path: '$.dataset.shape', message: 'csv datasets need shape [h, w, c]' },
    ]);
    const builtinFormat = parseSpecText('{"dataset": {"uri": "builtin:digits", "format": "idx"}}');
    expect(builtinFormat.ok || builtinFormat.issues.map((i) => i.path)).toEqual(['$.dataset.format']);
    const unknownBuiltin = parseSpecText('{"dataset": {"uri": "builtin:imagenet"}}');
    expect(unknownBuiltin.ok || unknownBuiltin.issues.map((i) => i.path)).toEqual(['$.dataset.uri']);
    const splits = parseSpecText('{"dataset": {"splits": {"train": 0.5, "validation": 0.1, "test": 0.1}}}');
    expect(splits.ok || splits.issues.map((i) => i.path)).toEqual(['$.dataset.splits']);
    const both = parseSpecText('{"training": {"steps": 10, "epochs": 1}}');
    expect(both.ok || both.issues.map((i) => i.path)).toEqual(['$.training.epochs']);
  });
});

describe('parseSpecText: good input', () => {
  it('{} is valid and is the built-in example', () => {
    const r = parseSpecText('{}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual(exampleSpec());
    expect(r.value).toMatchObject({
      version: 1,
      dataset: { uri: 'builtin:digits', format: 'builtin' },
      strategy: { name: 'reinforce', seed: 0, iterations: 6, batchSize: 6 },
      training: { steps: 60, batchSize: 32 },
      space: { accelerator: { template: 'systolic' }, network: { template: 'mobile-cnn', stages: 2 } },
    });
  });

  it('a parsed spec is valid input and parses to itself', () => {
    const spec = exampleSpec();
    const again = parseSpec(JSON.parse(JSON.stringify(spec)));
    expect(again.ok && again.value).toEqual(spec);
  });

  it('accepts a full spec with every group given', () => {
    const r = parseSpec({
      name: 'full spec',
      dataset: { uri: 's3://my-bucket/data/train.csv', format: 'csv', shape: [28, 28, 1], numClasses: 10 },
      space: {
        network: { stages: 3, blockType: ['mbconv', 'conv'], kernel: [3, 5, 7] },
        accelerator: { template: 'pe-array', pesX: [2, 4], localMemoryMB: [0.5, 1] },
        hyperparameters: {
          learningRate: { min: 1e-4, max: 1e-1, bases: 4 },
          weightDecay: [0, 1e-5],
          optimizer: ['adam', 'sgd'],
          batchSize: [16, 32],
          epochs: [1, 2],
        },
      },
      objectives: { latencyMs: { target: 5, weight: 0.1 }, areaMM2: { limit: 100, mode: 'hard' } },
      reward: { form: 'relu-penalty' },
      strategy: { name: 'ppo', seed: 7, iterations: 3, batchSize: 4 },
      training: { epochs: 2 },
      budget: { maxCandidates: 100, maxUSD: 5 },
    });
    expect(r.ok ? [] : r.issues).toEqual([]);
  });

  it('default factories return fresh objects (a caller mutating one spec does not change the next)', () => {
    const pristine = JSON.stringify(exampleSpec());
    for (const input of [{}, { space: {} }, { space: { network: {} } }]) {
      const a = SearchSpec.parse(input);
      a.space.network.kernel.push(7);
      a.space.hyperparameters.optimizer.push('sgd');
      if (a.space.accelerator.template === 'systolic') a.space.accelerator.rows.push(64);
      a.dataset.splits.train = 0.1;
      a.objectives.latencyMs.weight = 9;
      a.strategy.batchSize = 99;
    }
    expect(JSON.stringify(exampleSpec())).toBe(pristine);
    expect(exampleSpec().space.network.kernel).toEqual([3, 5]);
  });
});

describe('parse helpers', () => {
  it('jsonPath quotes what is not an identifier', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['space', 'network', 'kernel', 0])).toBe('$.space.network.kernel[0]');
    expect(jsonPath(['a b', 'x-y', '$ok'])).toBe('$["a b"]["x-y"].$ok');
  });

  it(`structuralIssues allows exactly ${MAX_DEPTH} levels`, () => {
    const nest = (d: number): unknown => (d === 0 ? 1 : { a: nest(d - 1) });
    expect(structuralIssues(nest(MAX_DEPTH + 1))).toEqual([]);
    expect(structuralIssues(nest(MAX_DEPTH + 2))).toHaveLength(1);
  });

  it('parseWith applies the structural guards to any schema', () => {
    const r = parseWith(StrategySpec, JSON.parse('{"__proto__": {}}'));
    expect(r.ok || r.issues).toEqual([{ path: '$.__proto__', message: 'forbidden key "__proto__"' }]);
    const ok = parseWith(StrategySpec, { name: 'random' });
    expect(ok.ok && ok.value.name).toBe('random');
  });
});
