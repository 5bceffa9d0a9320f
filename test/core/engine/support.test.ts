import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unsupportedIssues } from '../../../core/engine/support.js';
import { parseSpecText } from '../../../core/spec/parse.js';
import { SearchSpec } from '../../../core/spec/schema.js';

const paths = (input: unknown) => unsupportedIssues(SearchSpec.parse(input)).map((i) => i.path);

describe('unsupportedIssues', () => {
  it('accepts the built-in example, a default autohas spec and every file in examples/', () => {
    expect(paths({})).toEqual([]);
    expect(paths({ strategy: { name: 'autohas' } })).toEqual([]);
    const files = readdirSync('examples').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = parseSpecText(readFileSync(`examples/${f}`, 'utf8'));
      expect(r.ok, f).toBe(true);
      if (r.ok) expect(unsupportedIssues(r.value), f).toEqual([]);
    }
  });

  it('refuses a learning-rate basis of 0, for every strategy', () => {
    const lr = { learningRate: { min: 0, max: 0.1, bases: 3, scale: 'linear' } };
    for (const name of ['random', 'autohas'])
      expect(paths({ strategy: { name }, space: { hyperparameters: lr } })).toEqual([
        '$.space.hyperparameters.learningRate',
      ]);
  });

  it('refuses hp choices AutoHAS does not search, and autohas settings without autohas', () => {
    expect(
      paths({
        strategy: { name: 'autohas' },
        space: { hyperparameters: { optimizer: ['adam', 'sgd'], batchSize: [16, 32] } },
      }),
    ).toEqual(['$.space.hyperparameters.optimizer', '$.space.hyperparameters.batchSize']);
    expect(paths({ strategy: { name: 'reinforce' }, autohas: { steps: 10 } })).toEqual(['$.autohas']);
  });
});
