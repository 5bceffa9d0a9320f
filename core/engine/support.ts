// Specs the schema accepts but the engine cannot run as asked: refused before a search is
// created, each problem naming its field.
import { HpBasisError, hpBases } from '../autohas/hp-bases.js';
import type { SpecIssue } from '../spec/parse.js';
import type { SearchSpec } from '../spec/schema.js';

/** Hyper-parameters AutoHAS keeps at their first choice (it searches learningRate and weightDecay). */
const AUTOHAS_FIXED_HP = ['optimizer', 'batchSize', 'epochs'] as const;

export function unsupportedIssues(spec: SearchSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  // A linear basis range may start at 0: a learning rate of 0 trains nothing.
  for (const name of ['learningRate', 'weightDecay'] as const) {
    try {
      hpBases(name, spec.space.hyperparameters[name]);
    } catch (e) {
      if (!(e instanceof HpBasisError)) throw e;
      issues.push({ path: `$.space.hyperparameters.${name}`, message: e.message });
    }
  }
  if (spec.strategy.name !== 'autohas') {
    if (spec.autohas)
      issues.push({ path: '$.autohas', message: 'autohas settings need strategy.name "autohas"' });
    return issues;
  }
  const hp = spec.space.hyperparameters;
  for (const name of AUTOHAS_FIXED_HP) {
    const choices = hp[name];
    if (choices && choices.length > 1)
      issues.push({
        path: `$.space.hyperparameters.${name}`,
        message: `autohas searches learningRate and weightDecay only; give ${name} one choice (got ${choices.length})`,
      });
  }
  return issues;
}
