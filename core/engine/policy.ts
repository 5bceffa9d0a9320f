// The loop's ask/tell policy for a spec: its strategy bound to the spec, and how a proposal
// becomes candidates. Every strategy, AutoHAS's top-k included, goes through here.
import type { Rng } from '../rng.js';
import { SpecBoundStrategy } from '../search/index.js';
import type { Observation, Proposal, StrategyState } from '../search/strategy.js';
import type { SearchSpace } from '../space/encoding.js';
import type { Candidate } from '../space/types.js';
import type { SearchSpec } from '../spec/schema.js';
import { specHashOf } from './state.js';

export interface LoopPolicy {
  init(): StrategyState;
  propose(state: StrategyState, n: number, rng: Rng): { proposal: Proposal; candidates: Candidate[] };
  observe(state: StrategyState, observations: readonly Observation[]): StrategyState;
}

export function loopPolicy(spec: SearchSpec, space: SearchSpace): LoopPolicy {
  const bound = new SpecBoundStrategy(spec.strategy, space.cardinalities, specHashOf(spec), {
    groups: space.decisions.map((d) => d.group),
  });
  return {
    init: () => bound.init(),
    propose(state, n, rng) {
      const proposal = bound.propose(state, n, rng);
      const carried = bound.strategy.carriedCandidates?.(proposal.state, n);
      return { proposal, candidates: carried ?? proposal.tokens.map((t) => space.decode(t)) };
    },
    observe: (state, observations) => bound.observe(state, observations),
  };
}
