// REINFORCE on the autoregressive LSTM controller (NAS / MnasNet), with the same EMA baseline,
// entropy bonus and Adam as the factorized `reinforce`. Not in the spec's StrategyName yet:
// the benchmark uses it directly.
import { Rng } from '../rng.js';
import type { StrategySpec } from '../spec/schema.js';
import {
  addPending,
  baseState,
  checkBatchSize,
  matchObservations,
  openState,
  StrategyStateError,
} from './common.js';
import { addLstmGrad, initLstm, lstmLayout, runLstm } from './lstm.js';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS } from './policy.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

export const LSTM_HIDDEN = 32;
export const LSTM_EMBED = 16;

export type LstmState = StrategyState & {
  hidden: number;
  embed: number;
  theta: number[];
  adam: { m: number[]; v: number[]; t: number };
  baseline: number | null;
  params: { learningRate: number; entropyWeight: number; baselineDecay: number };
  updates: number;
};

function openLstm(state: LstmState): LstmState {
  const s = openState(state, 'reinforce-lstm');
  const n = lstmLayout(s.cardinalities, s.hidden, s.embed).size;
  for (const [what, a] of [
    ['theta', s.theta],
    ['adam.m', s.adam?.m],
    ['adam.v', s.adam?.v],
  ] as const)
    if (!Array.isArray(a) || a.length !== n || !a.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new StrategyStateError(`strategy state: ${what} does not match the controller's size (${n})`);
  if (s.baseline !== null && !Number.isFinite(s.baseline))
    throw new StrategyStateError('strategy state: baseline is not finite');
  return s;
}

export const reinforceLstmStrategy: Strategy<LstmState> = {
  name: 'reinforce-lstm',
  /** Weights are initialized from `spec.seed`, so the same spec gives the same controller. */
  init(cardinalities: readonly number[], spec: StrategySpec, options?: InitOptions): LstmState {
    const base = baseState('reinforce-lstm', cardinalities, spec, options);
    const L = lstmLayout(cardinalities, LSTM_HIDDEN, LSTM_EMBED);
    return {
      ...base,
      hidden: LSTM_HIDDEN,
      embed: LSTM_EMBED,
      theta: initLstm(L, Rng.fromSeed(`reinforce-lstm-init:${spec.seed}`)),
      adam: { m: new Array<number>(L.size).fill(0), v: new Array<number>(L.size).fill(0), t: 0 },
      baseline: null,
      params: {
        learningRate: spec.learningRate,
        entropyWeight: spec.entropyWeight,
        baselineDecay: spec.baselineDecay,
      },
      updates: 0,
    };
  },
  propose(state: LstmState, n: number, rng: Rng): Proposal<LstmState> {
    checkBatchSize(n);
    const s = openLstm(state);
    const L = lstmLayout(s.cardinalities, s.hidden, s.embed);
    const draws = Array.from({ length: n }, () => runLstm(L, s.theta, null, rng));
    const tokens = draws.map((d) => d.tokens);
    const ids = addPending(
      s,
      tokens,
      draws.map((d) => d.logProb),
    );
    return { state: s, tokens, ids };
  },
  observe(state: LstmState, observations: readonly Observation[]): LstmState {
    const s = openLstm(state);
    const batch = matchObservations(s, observations).flatMap((m) =>
      m.reward === null ? [] : [{ tokens: m.entry.tokens, reward: m.reward }],
    );
    if (batch.length === 0) return s;
    let mean = 0;
    for (const x of batch) mean += x.reward;
    mean /= batch.length;
    const b = s.baseline ?? mean;
    const L = lstmLayout(s.cardinalities, s.hidden, s.embed);
    const grad = new Array<number>(L.size).fill(0);
    // Entropy bonus averaged over the batch's sequences.
    for (const x of batch)
      addLstmGrad(
        L,
        s.theta,
        x.tokens,
        (x.reward - b) / batch.length,
        s.params.entropyWeight / batch.length,
        grad,
      );
    const a = s.adam;
    a.t += 1;
    const c1 = 1 - ADAM_BETA1 ** a.t;
    const c2 = 1 - ADAM_BETA2 ** a.t;
    for (let k = 0; k < L.size; k++) {
      a.m[k] = ADAM_BETA1 * a.m[k]! + (1 - ADAM_BETA1) * grad[k]!;
      a.v[k] = ADAM_BETA2 * a.v[k]! + (1 - ADAM_BETA2) * grad[k]! * grad[k]!;
      s.theta[k]! += (s.params.learningRate * (a.m[k]! / c1)) / (Math.sqrt(a.v[k]! / c2) + ADAM_EPS);
    }
    s.baseline = s.params.baselineDecay * b + (1 - s.params.baselineDecay) * mean;
    s.updates += 1;
    return s;
  },
};
