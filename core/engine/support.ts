// What the schema accepts but the engine cannot run yet: refused before a search is created.
import type { SpecIssue } from '../spec/parse.js';
import type { SearchSpec } from '../spec/schema.js';

const NOT_BUILT: Record<string, string> = {
  autohas:
    'the AutoHAS one-shot mode is not built yet; use reinforce, reinforce-lstm, ppo, evolution, random or two-phase',
};

export function unsupportedIssues(spec: SearchSpec): SpecIssue[] {
  const why = NOT_BUILT[spec.strategy.name];
  return why ? [{ path: '$.strategy.name', message: why }] : [];
}
