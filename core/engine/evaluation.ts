// One evaluated candidate: its decisions, raw metrics from both writers, and its outcome as
// core/search/outcome.ts decides it (status, reward or floor or null, the Pareto-selection vector).
import {
  type AccuracySource,
  accuracyFrom,
  accuracySource,
  type OutcomeStatus,
  outcomeOf,
  scoreOutcome,
} from '../search/outcome.js';
import type { Candidate } from '../space/types.js';
import type { SearchSpec } from '../spec/schema.js';
import { getJson, tryGetJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import { keys } from './keys.js';
import type { AcceleratorRecord, ChildSummary, ProposalRecord, TrainingRecord } from './state.js';

export type EvaluationStatus = OutcomeStatus;

export interface Evaluation {
  cid: string;
  iteration: number;
  tokens: number[];
  candidate: Pick<Candidate, 'network' | 'accelerator' | 'hyperparameters'>;
  status: EvaluationStatus;
  cached: boolean;
  reason?: string;
  violations: string[];
  metrics: {
    /** Test accuracy from `accuracySource`: what the front ranks. */
    accuracy?: number;
    /** Validation accuracy from `accuracySource`: what the reward used. */
    valAccuracy?: number;
    fp32Accuracy?: number;
    fp32ValAccuracy?: number;
    /** The post-training quantized child (int8 activations, `weightBits` weights), test and validation. */
    quantizedAccuracy?: number;
    quantizedValAccuracy?: number;
    weightBits?: number;
    latencyMs?: number;
    energyMJ?: number;
    areaMM2?: number;
    latencyCycles?: number;
    utilizationPct?: number;
    params?: number;
    macs?: number;
  };
  /** Which accuracy `metrics.accuracy` and `metrics.valAccuracy` are (outcome.ts accuracySource). */
  accuracySource?: AccuracySource;
  reward: number | null;
  rewardTerms?: Record<string, number>;
  /** What Pareto selection compares (objectiveVector on validation accuracy); null unless trained and feasible. */
  objectives?: number[] | null;
  training?: Pick<TrainingRecord, 'trainSeconds' | 'examplesPerSec' | 'stepsDone' | 'backend'>;
  modelPrefix?: string;
}

export async function evaluateIteration(
  store: Store,
  spec: SearchSpec,
  searchId: string,
  proposal: ProposalRecord,
  children: readonly ChildSummary[],
): Promise<Evaluation[]> {
  const known = new Set(proposal.cids);
  for (const c of children) if (!known.has(c.cid)) throw new Error(`result for unknown candidate ${c.cid}`);
  const childByCid = new Map(children.map((c) => [c.cid, c]));
  const out: Evaluation[] = [];
  for (const cid of [...known].sort()) {
    const k = proposal.iteration;
    const cand = await getJson<Candidate>(store, keys.candidate(searchId, k, cid));
    const acc = await tryGetJson<AcceleratorRecord>(store, keys.accelerator(searchId, k, cid));
    const tr = await tryGetJson<TrainingRecord>(store, keys.training(searchId, k, cid));
    const child = childByCid.get(cid);
    const ev: Evaluation = {
      cid,
      iteration: k,
      tokens: cand.tokens,
      candidate: {
        network: cand.network,
        accelerator: cand.accelerator,
        hyperparameters: cand.hyperparameters,
      },
      status: 'failed',
      cached: tr?.cached === true,
      violations: acc?.violations ?? [],
      metrics: {
        ...(acc?.metrics
          ? {
              latencyMs: acc.metrics.latencyMs,
              energyMJ: acc.metrics.energyMJ,
              areaMM2: acc.metrics.areaMM2,
              latencyCycles: acc.metrics.latencyCycles,
              utilizationPct: acc.metrics.utilizationPct,
            }
          : {}),
        ...(acc?.network ? { params: acc.network.params, macs: acc.network.macs } : {}),
      },
      reward: null,
    };
    const source = accuracySource(spec.objectives, cand.accelerator.template);
    const outcome = outcomeOf({
      accuracySource: source,
      ...(acc
        ? { simulated: { feasible: acc.feasible, violations: acc.violations, metrics: preTraining(ev) } }
        : {}),
      ...(tr ? { trained: tr } : {}),
      ...(child?.error ? { error: child.error } : {}),
    });
    const scored = scoreOutcome(outcome, spec.objectives, spec.reward);
    ev.status = scored.status;
    ev.reward = scored.reward;
    ev.objectives = scored.objectives;
    if (outcome.status === 'infeasible') ev.reason = outcome.violations.join('; ');
    else if (outcome.status === 'failed') ev.reason = outcome.error;
    else if (tr) {
      // A trained outcome has its source's accuracies (outcomeOf fails it otherwise).
      const acc = accuracyFrom(tr, source)!;
      ev.metrics.accuracy = acc.testAccuracy;
      ev.metrics.valAccuracy = acc.valAccuracy;
      ev.accuracySource = source;
      ev.metrics.fp32Accuracy = tr.testAccuracy;
      ev.metrics.fp32ValAccuracy = tr.valAccuracy;
      if (tr.quantized) {
        ev.metrics.quantizedAccuracy = tr.quantized.testAccuracy;
        ev.metrics.quantizedValAccuracy = tr.quantized.valAccuracy;
        ev.metrics.weightBits = tr.quantized.weightBits;
      }
      ev.rewardTerms = scored.terms;
      ev.training = {
        trainSeconds: tr.trainSeconds,
        examplesPerSec: tr.examplesPerSec,
        stepsDone: tr.stepsDone,
        backend: tr.backend,
      };
      if (tr.modelPrefix) ev.modelPrefix = tr.modelPrefix;
    }
    out.push(ev);
  }
  return out;
}

/** The simulator's metrics of an evaluation, as the reward reads them. */
function preTraining(ev: Evaluation) {
  return { latencyMs: ev.metrics.latencyMs, energyMJ: ev.metrics.energyMJ, areaMM2: ev.metrics.areaMM2 };
}
