// REINFORCE and PPO over a factorized categorical policy (one softmax per decision), with an
// exponential-moving-average reward baseline, an entropy bonus, and Adam on the logits.
// Null rewards carry no information and are left out of the update.
import type { Rng } from '../rng.js';
import type { StrategySpec } from '../spec/schema.js';
import {
  addPending,
  baseState,
  checkBatchSize,
  checkMatrix,
  type Matched,
  matchObservations,
  openState,
  StrategyStateError,
} from './common.js';
import {
  type AdamState,
  adamAscent,
  addEntropyGrad,
  addLogProbGrad,
  logProbOf,
  probabilities,
  samplePolicy,
  zeros,
} from './policy.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

export type PolicyState = StrategyState & {
  logits: number[][];
  adam: AdamState;
  /** EMA of the batch-mean reward; null until the first non-empty batch. */
  baseline: number | null;
  params: {
    learningRate: number;
    entropyWeight: number;
    baselineDecay: number;
    ppoClip: number;
    ppoEpochs: number;
  };
  /** Policy updates applied so far. */
  updates: number;
};

/** The state, opened and checked: a corrupt policy must fail loudly, never be updated. */
function openPolicy(state: PolicyState, name: string): PolicyState {
  const s = openState(state, name);
  checkMatrix('logits', s.logits, s.cardinalities);
  checkMatrix('adam.m', s.adam?.m, s.cardinalities);
  checkMatrix('adam.v', s.adam?.v, s.cardinalities);
  if (!Number.isInteger(s.adam.t) || s.adam.t < 0)
    throw new StrategyStateError('strategy state: adam.t is invalid');
  if (s.baseline !== null && !Number.isFinite(s.baseline))
    throw new StrategyStateError('strategy state: baseline is not finite');
  return s;
}

type Update = (
  s: PolicyState,
  batch: { tokens: number[]; reward: number; logProb: number }[],
  b: number,
) => void;

function makePolicyStrategy(name: 'reinforce' | 'ppo', update: Update): Strategy<PolicyState> {
  return {
    name,
    init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): PolicyState {
      return {
        ...baseState(name, cardinalities, spec, options),
        logits: zeros(cardinalities),
        adam: { m: zeros(cardinalities), v: zeros(cardinalities), t: 0 },
        baseline: null,
        params: {
          learningRate: spec.learningRate,
          entropyWeight: spec.entropyWeight,
          baselineDecay: spec.baselineDecay,
          ppoClip: spec.ppoClip,
          ppoEpochs: spec.ppoEpochs,
        },
        updates: 0,
      };
    },
    propose(state: PolicyState, n: number, rng: Rng): Proposal<PolicyState> {
      checkBatchSize(n);
      const s = openPolicy(state, name);
      const draws = Array.from({ length: n }, () => samplePolicy(s.logits, rng));
      const tokens = draws.map((d) => d.tokens);
      const ids = addPending(
        s,
        tokens,
        draws.map((d) => d.logProb),
      );
      return { state: s, tokens, ids };
    },
    observe(state: PolicyState, observations: readonly Observation[]): PolicyState {
      const s = openPolicy(state, name);
      const batch = validBatch(matchObservations(s, observations));
      if (batch.length === 0) return s;
      let mean = 0;
      for (const x of batch) mean += x.reward;
      mean /= batch.length;
      const b = s.baseline ?? mean;
      update(s, batch, b);
      s.baseline = s.params.baselineDecay * b + (1 - s.params.baselineDecay) * mean;
      s.updates += 1;
      return s;
    },
  };
}

function validBatch(matched: Matched[]): { tokens: number[]; reward: number; logProb: number }[] {
  return matched.flatMap((m) => {
    if (m.reward === null) return [];
    if (m.entry.logProb === undefined) throw new Error(`pending entry ${m.entry.id} has no log-probability`);
    return [{ tokens: m.entry.tokens, reward: m.reward, logProb: m.entry.logProb }];
  });
}

/** One ascent step on mean((r − b) log π(a)) + β H(π). */
export const reinforceStrategy = makePolicyStrategy('reinforce', (s, batch, b) => {
  const probs = probabilities(s.logits);
  const grad = zeros(s.cardinalities);
  for (const x of batch) addLogProbGrad(grad, probs, x.tokens, (x.reward - b) / batch.length);
  addEntropyGrad(grad, probs, s.params.entropyWeight);
  adamAscent(s.logits, s.adam, grad, s.params.learningRate);
});

/**
 * `ppoEpochs` ascent steps on the clipped surrogate mean(min(ρA, clip(ρ, 1±ε)A)) + β H(π),
 * where ρ = π(a)/π_sampling(a) uses the log-probabilities stored when the batch was proposed.
 */
export const ppoStrategy = makePolicyStrategy('ppo', (s, batch, b) => {
  const eps = s.params.ppoClip;
  for (let epoch = 0; epoch < s.params.ppoEpochs; epoch++) {
    const probs = probabilities(s.logits);
    const grad = zeros(s.cardinalities);
    for (const x of batch) {
      const adv = x.reward - b;
      const ratio = Math.exp(logProbOf(probs, x.tokens) - x.logProb);
      const clipped = (adv > 0 && ratio > 1 + eps) || (adv < 0 && ratio < 1 - eps);
      if (!clipped) addLogProbGrad(grad, probs, x.tokens, (adv * ratio) / batch.length);
    }
    addEntropyGrad(grad, probs, s.params.entropyWeight);
    adamAscent(s.logits, s.adam, grad, s.params.learningRate);
  }
});
