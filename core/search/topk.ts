// AutoHAS's hand-off to the loop: the supernet's top-k candidates, proposed once and observed like
// any batch. Its state carries the candidates themselves, because in `mix` mode their
// hyper-parameter values are mixtures that no token sequence names.
import type { Candidate } from '../space/types.js';
import {
  addPending,
  baseState,
  checkBatchSize,
  matchObservations,
  openState,
  StrategyStateError,
} from './common.js';
import type { Strategy, StrategyState } from './strategy.js';

const KIND = 'autohas-topk';

export type TopKState = StrategyState & { candidates: Candidate[] };

export const topKStrategy: Strategy<TopKState> = {
  name: 'autohas',
  init(cardinalities, spec, options) {
    return { ...baseState(KIND, cardinalities, spec, options), candidates: [] };
  },
  propose(state, n) {
    checkBatchSize(n);
    const s = openState(state, KIND);
    if (!Array.isArray(s.candidates) || s.candidates.length === 0)
      throw new StrategyStateError(
        'autohas top-k state holds no candidates (the supernet phase has not ended)',
      );
    if (s.round > 0) throw new StrategyStateError('the autohas top-k were proposed already');
    const tokens = s.candidates.slice(0, n).map((c) => [...c.tokens]);
    const ids = addPending(s, tokens);
    return { state: s, tokens, ids };
  },
  observe(state, observations) {
    const s = openState(state, KIND);
    matchObservations(s, observations);
    return s;
  },
  carriedCandidates(state, n) {
    return openState(state, KIND).candidates.slice(0, n);
  },
};

/** The state after the supernet phase: these candidates, best first. */
export function withTopK(state: StrategyState, candidates: Candidate[]): TopKState {
  return { ...openState(state as TopKState, KIND), candidates: structuredClone(candidates) };
}
