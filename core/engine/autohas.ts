// The AutoHAS phase of a search (strategy "autohas"). The supernet trains in chunks, one
// SupernetChunk invocation each, checkpointed to the store in between. When it is done, its top-k
// (arch, hp, accelerator) become the loop's only batch: trained by TrainChild (from scratch, or
// with autohas.final "finetune" from the supernet's weights written beside the checkpoint) and
// scored, simulated and put on the Pareto front exactly like multi-trial candidates.
import { subnetWeights } from '../autohas/finetune.js';
import { CheckpointError, deriveTopK, openAutohas, runChunk } from '../autohas/run.js';
import { disposeAutohasState, type StepLog } from '../autohas/step.js';
import { loadDataset } from '../data/load.js';
import { hashOf } from '../hash.js';
import { DEFAULT_HYPERPARAMETERS } from '../network/defaults.js';
import { withTopK } from '../search/topk.js';
import type { Candidate } from '../space/types.js';
import { type SupernetPlan, searchPlan } from '../spec/plan.js';
import { type SearchSpec, SPEC_VERSION } from '../spec/schema.js';
import { mean } from '../stats.js';
import { getJson, putJson, putJsonOnce } from '../store/json.js';
import { initBackend } from '../training/backend.js';
import { keys } from './keys.js';
import { loopPolicy } from './policy.js';
import {
  type LoopState,
  loadSpec,
  type PolicySnapshot,
  type SearchState,
  type StepContext,
  type SupernetProgress,
  specHashOf,
} from './state.js';
import { stopReasonBeforeLoop } from './stop.js';

export interface TopKRecord {
  step: number;
  hpMode: SupernetPlan['hpMode'];
  /** How the top-k are trained: from scratch, or fine-tuned from the supernet's weights. */
  final?: SupernetPlan['final'];
  /** Example passes of the supernet phase (forward+backward, and forward-only validation). */
  trainExamples: number;
  evalExamples: number;
  topK: {
    rank: number;
    cid: string;
    probability: number;
    /** probability / uniform probability: ~1 means the controller learned little. */
    timesUniform: number;
    hp: Record<string, number>;
  }[];
  /** The top candidate's architecture retrained with the default hyper-parameters, to compare. */
  defaultHp?: { cid: string; of: string; hp: Record<string, number> };
}

export type SupernetLoopState = LoopState & { supernet: boolean };

function supernetOf(spec: SearchSpec): SupernetPlan {
  const plan = searchPlan(spec).supernet;
  if (!plan) throw new Error(`SupernetChunk: strategy is ${spec.strategy.name}, not autohas`);
  return plan;
}

/** Has the supernet phase of this search finished (its top-k written as policy 0)? */
export async function supernetDone(ctx: StepContext, searchId: string): Promise<boolean> {
  return (await ctx.store.tryGet(keys.policy(searchId, 0))) !== undefined;
}

/**
 * SupernetChunk: resume the supernet from its checkpoint, run the next `stepsPerChunk` steps and
 * checkpoint again. After the last chunk, derive the top-k and write them as the loop's policy 0.
 * Chunk boundaries are fixed by the spec, and a resumed run is bit-identical to an uninterrupted
 * one, so a retried or resumed chunk reproduces the same supernet.
 */
export async function supernetChunk(
  ctx: StepContext,
  input: { searchId: string },
): Promise<SupernetLoopState> {
  const { store } = ctx;
  const { searchId } = input;
  const next = (done: boolean, supernet: boolean): SupernetLoopState => ({
    searchId,
    iteration: 1,
    done,
    supernet,
  });
  if (await supernetDone(ctx, searchId)) return next(false, false);
  const spec = await loadSpec(store, searchId);
  const plan = supernetOf(spec);
  const stop = await stopReasonBeforeLoop(ctx, spec, searchId);
  // A stopped search keeps its checkpoint; `cosearch resume` goes on from it.
  if (stop) return next(true, false);
  await initBackend();
  const data = await loadDataset(spec.dataset, { seed: spec.strategy.seed, readBytes: ctx.readBytes });
  const prefix = keys.supernet(searchId);
  const s = await openAutohas(spec, data, store, prefix, {
    hpMode: plan.hpMode,
    batchSize: plan.batchSize,
    valBatchSize: plan.valBatchSize,
    warmupSteps: plan.warmupSteps,
    hpStep: plan.hpStep,
    hpSchedule: plan.hpSchedule,
    hpReward: plan.hpReward,
    lookahead: plan.lookahead,
    sandwich: plan.sandwich,
  });
  try {
    if (s.step > plan.steps)
      throw new CheckpointError(`${prefix}: checkpoint is at step ${s.step}, past the ${plan.steps} planned`);
    const n = Math.min(plan.stepsPerChunk, plan.steps - s.step);
    let lastReward: number | null = null;
    let valAccuracy: number | null = null;
    if (n > 0) {
      const logs = await runChunk(s, store, n, prefix);
      await putJson(store, keys.supernetLog(searchId, s.step), { logs: logs.map(compactLog) });
      lastReward = mean(logs.map((l) => l.controller.reward));
      const before = logs.flatMap((l) => l.controller.accuracyBefore ?? []);
      valAccuracy = before.length ? mean(before) : null;
    }
    const done = s.step >= plan.steps;
    const progress: SupernetProgress = {
      step: s.step,
      steps: plan.steps,
      trainExamples: s.trainExamples,
      evalExamples: s.evalExamples,
      lastReward,
      valAccuracy,
      done,
    };
    const state = await getJson<SearchState>(store, keys.state(searchId));
    await putJson(store, keys.state(searchId), {
      ...state,
      status: 'running',
      supernet: progress,
      updatedAt: new Date((ctx.now ?? Date.now)()).toISOString(),
    });
    if (!done) return next(false, true);

    const top = deriveTopK(s, plan.topK);
    const candidates = top.map((t) => withHpId(t.candidate, plan));
    const twin = plan.defaultHpBaseline && candidates[0] ? defaultHpTwin(candidates[0]) : undefined;
    // Written before policy 0: once TrainChild can run, every fine-tuned child finds its weights.
    if (plan.final === 'finetune')
      for (const c of candidates)
        await putJson(store, keys.supernetInit(searchId, c.id), subnetWeights(s.supernet, c.network));
    const record: TopKRecord = {
      step: s.step,
      hpMode: plan.hpMode,
      final: plan.final,
      trainExamples: s.trainExamples,
      evalExamples: s.evalExamples,
      topK: top.map((t, i) => ({
        rank: t.rank,
        cid: candidates[i]!.id,
        probability: t.probability,
        timesUniform: t.probability / t.uniformProbability,
        hp: t.hp,
      })),
      ...(twin
        ? {
            defaultHp: {
              cid: twin.id,
              of: candidates[0]!.id,
              hp: {
                learningRate: twin.hyperparameters.learningRate,
                weightDecay: twin.hyperparameters.weightDecay,
              },
            },
          }
        : {}),
    };
    await putJson(store, keys.supernetTopK(searchId), record);
    const snapshot: PolicySnapshot = {
      version: SPEC_VERSION,
      specHash: specHashOf(spec),
      iteration: 0,
      strategy: withTopK(loopPolicy(spec, s.space).init(), twin ? [...candidates, twin] : candidates),
    };
    await putJsonOnce(store, keys.policy(searchId, 0), snapshot);
    return next(false, false);
  } finally {
    disposeAutohasState(s);
  }
}

/**
 * In `mix` mode a top-k candidate trains with mixed hp values that no token sequence names, so
 * its id also hashes those values: the evaluation cache must not confuse it with the basis-0 one.
 */
function withHpId(c: Candidate, plan: SupernetPlan): Candidate {
  if (plan.hpMode !== 'mix') return c;
  return { ...c, id: hashOf({ id: c.id, hp: c.hyperparameters }) };
}

/**
 * The candidate's architecture and accelerator with the default learning rate and weight decay
 * (DEFAULT_HYPERPARAMETERS), under an id of its own: the baseline AutoHAS's pick must beat.
 */
function defaultHpTwin(c: Candidate): Candidate {
  const hyperparameters = {
    ...c.hyperparameters,
    learningRate: DEFAULT_HYPERPARAMETERS.learningRate,
    weightDecay: DEFAULT_HYPERPARAMETERS.weightDecay,
  };
  return { ...c, hyperparameters, id: hashOf({ id: c.id, hp: hyperparameters, baseline: 'default-hp' }, 16) };
}

function compactLog(l: StepLog) {
  const c = l.controller;
  return {
    step: l.step,
    weight: l.weight,
    controller: {
      candidateId: c.candidateId,
      accuracy: c.accuracy,
      ...(c.accuracyBefore === undefined ? {} : { accuracyBefore: c.accuracyBefore }),
      reward: c.reward,
      feasible: c.feasible,
      hp: c.hp,
      ...(c.latencyMs === undefined ? {} : { latencyMs: c.latencyMs }),
    },
  };
}
