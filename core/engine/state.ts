// The search's stored state: the progress summary (state.json), the records the steps write, and
// the counters rebuilt from evaluations. Types and loading only: no step logic, no trainer.

import type { ReadBytes } from '../data/load.js';
import { hashOf } from '../hash.js';
import { countOutcomes, isTrained } from '../search/outcome.js';
import type { StrategyState } from '../search/strategy.js';
import { parseSpec } from '../spec/parse.js';
import { searchPlan } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';
import { getJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import type { BackendName } from '../training/backends.js';
import type { TrainResult } from '../training/types.js';
import type { Evaluation } from './evaluation.js';
import type { SearchFailure } from './fail.js';
import { keys } from './keys.js';

/** Progress of the AutoHAS supernet phase, kept in state.json. */
export interface SupernetProgress {
  step: number;
  steps: number;
  trainExamples: number;
  evalExamples: number;
  /** Mean controller reward over the last chunk (a progress figure, not a decision input). */
  lastReward: number | null;
  /**
   * Mean validation-batch accuracy of the sampled sub-networks with the shared weights (before
   * the trial step) over the last chunk: how well trained the supernet the rewards come from is.
   */
  valAccuracy: number | null;
  done: boolean;
}

export interface StepContext {
  store: Store;
  /** Reads s3:// dataset URIs; the cloud handlers pass the S3 store's reader. */
  readBytes?: ReadBytes;
  /** Wall clock, for progress fields and the wall-time cap only. */
  now?: () => number;
  /** The backend costs are priced with (the deployed trainer's); the default packaging's when absent. */
  costBackend?: BackendName;
}

export interface LoopState {
  searchId: string;
  iteration: number;
  done: boolean;
  /** The loop starts a fresh execution of itself here (continue-as-new), carrying only id and iteration. */
  checkpoint?: boolean;
  /** AutoHAS: the supernet phase is not done, so SupernetChunk runs before the loop. */
  supernet?: boolean;
}

export interface DatasetInfo {
  uri: string;
  shape: [number, number, number];
  numClasses: number;
  sizes: { train: number; validation: number; test: number };
}

export interface PolicySnapshot {
  version: number;
  specHash: string;
  iteration: number;
  strategy: StrategyState;
}

export interface ProposalRecord {
  iteration: number;
  /** Every proposed token sequence as the controller proposed it, in order (duplicates kept). */
  tokens: number[][];
  cids: string[];
  state: StrategyState;
}

export interface AcceleratorRecord {
  cid: string;
  feasible: boolean;
  violations: string[];
  metrics?: {
    latencyMs: number;
    latencyCycles: number;
    energyMJ: number;
    areaMM2: number;
    utilizationPct: number;
    tier: string;
  };
  network?: { params: number; macs: number; layers: number };
}

export type TrainingRecord = TrainResult & { cid: string; modelPrefix?: string; cached?: boolean };

export interface ChildSummary {
  cid: string;
  status: string;
  error?: string;
}

export type SearchStatus = 'created' | 'running' | 'succeeded' | 'stopped' | 'failed';

export interface SearchState {
  searchId: string;
  status: SearchStatus;
  stopReason?: string;
  specHash: string;
  iteration: number;
  iterations: number;
  candidatesEvaluated: number;
  /** Children really trained (cache hits excluded), as in results.json. */
  trained: number;
  failed: number;
  infeasible: number;
  cached: number;
  bestReward: number | null;
  /** Measured seconds of training (cached children excluded): reported, never a decision input. */
  trainSeconds: number;
  /** AutoHAS: progress of the supernet phase. */
  supernet?: SupernetProgress;
  /** Why the search failed (status "failed"), written by MarkFailed (core/engine/fail.ts). */
  failure?: SearchFailure;
  startedAt: string;
  updatedAt: string;
}

export const nowOf = (ctx: StepContext): number => (ctx.now ?? Date.now)();
export const iso = (ctx: StepContext): string => new Date(nowOf(ctx)).toISOString();

export async function loadSpec(store: Store, searchId: string): Promise<SearchSpec> {
  const r = parseSpec(await getJson(store, keys.spec(searchId)));
  if (!r.ok)
    throw new Error(`stored spec of ${searchId} is invalid: ${r.issues.map((i) => i.path).join(', ')}`);
  return r.value;
}

export function specHashOf(spec: SearchSpec): string {
  return hashOf(spec);
}

const ZERO_COUNTS = {
  candidatesEvaluated: 0,
  trained: 0,
  failed: 0,
  infeasible: 0,
  cached: 0,
  bestReward: null,
  trainSeconds: 0,
} as const satisfies Partial<SearchState>;

/** The progress summary of a search that has not run yet. */
export function newSearchState(spec: SearchSpec, searchId: string, at: string): SearchState {
  return {
    searchId,
    status: 'created',
    specHash: specHashOf(spec),
    iteration: 0,
    iterations: searchPlan(spec).iterations,
    ...ZERO_COUNTS,
    startedAt: at,
    updatedAt: at,
  };
}

/** The state with its counters zeroed, to be rebuilt from the iterations' evaluations. */
export function withZeroCounts(state: SearchState): SearchState {
  return { ...state, iteration: 0, ...ZERO_COUNTS };
}

/** Adds iteration k's evaluations to the counters (once: re-running an update counts nothing twice). */
export function accumulate(
  state: SearchState,
  iteration: number,
  evs: Evaluation[],
  now: string,
): SearchState {
  if (state.iteration >= iteration) return { ...state, updatedAt: now };
  const rewards = evs.flatMap((e) => (isTrained(e.status) && e.reward !== null ? [e.reward] : []));
  const best = rewards.length ? Math.max(...rewards) : null;
  const c = countOutcomes(evs);
  return {
    ...state,
    status: 'running',
    iteration,
    candidatesEvaluated: state.candidatesEvaluated + c.candidatesEvaluated,
    trained: state.trained + c.trained,
    failed: state.failed + c.failed,
    infeasible: state.infeasible + c.infeasible,
    cached: state.cached + c.cached,
    bestReward: best === null ? state.bestReward : Math.max(best, state.bestReward ?? best),
    trainSeconds:
      (state.trainSeconds ?? 0) +
      evs.reduce((t, e) => t + (e.cached ? 0 : (e.training?.trainSeconds ?? 0)), 0),
    updatedAt: now,
  };
}
