import { describe, expect, it } from 'vitest';
import { unsupportedIssues } from '../../../core/engine/support.js';
import { SearchSpec } from '../../../core/spec/schema.js';

const paths = (input: unknown) => unsupportedIssues(SearchSpec.parse(input)).map((i) => i.path);

describe('unsupportedIssues', () => {
  it('accepts the built-in example and a default autohas spec', () => {
    expect(paths({})).toEqual([]);
    expect(paths({ strategy: { name: 'autohas' } })).toEqual([]);
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
