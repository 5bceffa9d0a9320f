// The steps of the search loop, one function per state of the state machine. Each reads and
// writes only the store, so the same code runs in a Lambda or in-process. Every write is keyed
// by iteration and candidate: a retried step rewrites the same objects.
import { simulateNetwork } from '../accelerator/index.js';
import { costSoFar } from '../cost/model.js';
import { loadDataset, type ReadBytes } from '../data/load.js';
import { hashOf } from '../hash.js';
import { summarizeNetwork } from '../network/summary.js';
import { Rng } from '../rng.js';
import { Controller } from '../search/index.js';
import { objectiveVector } from '../search/outcome.js';
import { checkHardLimits } from '../search/reward.js';
import type { Observation, Proposal, StrategyState } from '../search/strategy.js';
import { SearchSpace } from '../space/encoding.js';
import type { Candidate } from '../space/types.js';
import { parseSpec } from '../spec/parse.js';
import { searchPlan } from '../spec/plan.js';
import { type SearchSpec, SPEC_VERSION } from '../spec/schema.js';
import { getJson, putJson, putJsonOnce, tryGetJson } from '../store/json.js';
import { AlreadyExistsError, type Store } from '../store/store.js';
import { trainChild } from '../training/train.js';
import type { TrainResult } from '../training/types.js';
import { type SupernetProgress, supernetDone, topKCandidates, topKPolicy } from './autohas.js';
import { type Evaluation, evaluateIteration } from './evaluation.js';
import { hypervolumeFrame } from './frame.js';
import { keys } from './keys.js';
import { writeReport } from './report.js';
import { finalizeResults } from './results.js';

export interface StepContext {
  store: Store;
  /** Reads s3:// dataset URIs; the cloud handlers pass the S3 store's reader. */
  readBytes?: ReadBytes;
  /** Wall clock, for progress fields and the wall-time cap only. */
  now?: () => number;
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

/** Loop shape shared with the state machine (infra/state-machine.ts). */
export const LOOP_LIMITS = {
  /** Batches above this are evaluated by the Distributed Map, which reads the list from S3. */
  inlineMapMaxItems: 100,
  /** Continue-as-new after every this many iterations (the history limit is 25,000 events). */
  iterationsPerExecution: 10,
} as const;

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

export interface SearchState {
  searchId: string;
  status: 'created' | 'running' | 'succeeded' | 'stopped';
  stopReason?: string;
  specHash: string;
  iteration: number;
  iterations: number;
  candidatesEvaluated: number;
  trained: number;
  failed: number;
  infeasible: number;
  cached: number;
  bestReward: number | null;
  /** Measured seconds of training (cached children excluded): reported, never a decision input. */
  trainSeconds: number;
  /** AutoHAS: progress of the supernet phase. */
  supernet?: SupernetProgress;
  startedAt: string;
  updatedAt: string;
}

const nowOf = (ctx: StepContext) => (ctx.now ?? Date.now)();
const iso = (ctx: StepContext) => new Date(nowOf(ctx)).toISOString();

export async function loadSpec(store: Store, searchId: string): Promise<SearchSpec> {
  const r = parseSpec(await getJson(store, keys.spec(searchId)));
  if (!r.ok)
    throw new Error(`stored spec of ${searchId} is invalid: ${r.issues.map((i) => i.path).join(', ')}`);
  return r.value;
}

export function specHashOf(spec: SearchSpec): string {
  return hashOf(spec);
}

function controllerFor(spec: SearchSpec, space: SearchSpace): Controller {
  return new Controller(spec.strategy, space.cardinalities, specHashOf(spec), {
    groups: space.decisions.map((d) => d.group),
  });
}

/** The loop's ask/tell policy: the strategy's controller, or AutoHAS's fixed top-k. */
interface LoopPolicy {
  propose(state: StrategyState, n: number, rng: Rng): Proposal;
  observe(state: StrategyState, observations: readonly Observation[]): StrategyState;
}

function policyFor(spec: SearchSpec, space: SearchSpace): LoopPolicy {
  if (!searchPlan(spec).supernet) return controllerFor(spec, space);
  const specHash = specHashOf(spec);
  return {
    propose: (state, n) => topKPolicy.propose(state, n, specHash),
    observe: (state, obs) => topKPolicy.observe(state, obs, specHash),
  };
}

/** Seed for one child's training: fixed by the search seed and the candidate, never by timing. */
export function childSeed(spec: SearchSpec, cid: string): number {
  return Number.parseInt(hashOf({ seed: spec.strategy.seed, cid }, 8), 16) >>> 1;
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

/** Validate and store a new search. The API handler and the CLI both start searches here. */
export async function createSearch(
  store: Store,
  spec: SearchSpec,
  searchId: string,
  now: () => number = Date.now,
): Promise<{ searchId: string; specHash: string }> {
  const specHash = specHashOf(spec);
  await putJsonOnce(store, keys.spec(searchId), spec);
  const state = newSearchState(spec, searchId, new Date(now()).toISOString());
  if (!(await store.tryGet(keys.state(searchId)))) await putJson(store, keys.state(searchId), state);
  return { searchId, specHash };
}

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

/** Last iteration whose policy update was written, 0 if none. */
async function lastCompleteIteration(store: Store, searchId: string, max: number): Promise<number> {
  let k = 0;
  while (k < max && (await store.tryGet(keys.policy(searchId, k + 1)))) k++;
  return k;
}

/** Init: load the dataset once to learn its shape, write the initial policy, or resume. */
export async function initSearch(ctx: StepContext, input: { searchId: string }): Promise<LoopState> {
  const { store } = ctx;
  const { searchId } = input;
  const spec = await loadSpec(store, searchId);
  const space = new SearchSpace(spec);
  const data = await loadDataset(spec.dataset, { seed: spec.strategy.seed, readBytes: ctx.readBytes });
  const info: DatasetInfo = {
    uri: data.uri,
    shape: data.shape,
    numClasses: data.numClasses,
    sizes: { train: data.train.n, validation: data.val.n, test: data.test.n },
  };
  await putJson(store, keys.dataset(searchId), info);
  await putJsonOnce(store, keys.frame(searchId), hypervolumeFrame(spec, info.shape, info.numClasses));
  const plan = searchPlan(spec);
  // AutoHAS writes its policy 0 (the top-k) when the supernet is done.
  if (!plan.supernet) {
    const snapshot: PolicySnapshot = {
      version: SPEC_VERSION,
      specHash: specHashOf(spec),
      iteration: 0,
      strategy: controllerFor(spec, space).init(),
    };
    await putJsonOnce(store, keys.policy(searchId, 0), snapshot);
  }
  const done = await lastCompleteIteration(store, searchId, plan.iterations);
  // Counters are rebuilt from the iterations' evaluations, so a run killed between writing a
  // policy and its progress summary resumes with exact counts.
  let state = await getJson<SearchState>(store, keys.state(searchId));
  state = { ...state, iteration: 0, ...ZERO_COUNTS };
  for (let k = 1; k <= done; k++) {
    const it = await getJson<{ evaluations: Evaluation[] }>(store, keys.evaluations(searchId, k));
    state = accumulate(state, k, it.evaluations, state.updatedAt);
  }
  await putJson(store, keys.state(searchId), { ...state, status: 'running', updatedAt: iso(ctx) });
  const stop = await shouldStop(ctx, spec, searchId, done);
  if (plan.supernet && stop === undefined && !(await supernetDone(ctx, searchId)))
    return { searchId, iteration: 1, done: false, supernet: true };
  return { searchId, iteration: done + 1, done: stop !== undefined };
}

/** SampleCandidates: ask the controller for a batch and write one object per candidate. */
export async function sampleCandidates(
  ctx: StepContext,
  input: { searchId: string; iteration: number },
): Promise<{
  searchId: string;
  iteration: number;
  candidates: string[];
  count: number;
  candidatesKey: string;
}> {
  const { store } = ctx;
  const { searchId, iteration } = input;
  const spec = await loadSpec(store, searchId);
  const space = new SearchSpace(spec);
  const prior = await getJson<PolicySnapshot>(store, keys.policy(searchId, iteration - 1));
  const state = await getJson<SearchState>(store, keys.state(searchId));
  const plan = searchPlan(spec);
  const n = Math.max(1, Math.min(plan.batchSize, spec.budget.maxCandidates - state.candidatesEvaluated));
  // The stream depends only on seed and iteration, so a retried step proposes the same batch.
  const rng = Rng.fromSeed(spec.strategy.seed).split(`sample/${iteration}`);
  const proposal = policyFor(spec, space).propose(prior.strategy, n, rng);
  // AutoHAS's top-k carry their own hp values (mixed ones in `mix` mode); others decode tokens.
  const candidates = plan.supernet
    ? topKCandidates(prior.strategy, n)
    : proposal.tokens.map((t) => space.decode(t));
  for (const c of candidates) await putJsonOnce(store, keys.candidate(searchId, iteration, c.id), c);
  const record: ProposalRecord = {
    iteration,
    // As proposed (not canonicalized): observe() matches them against its pending batch.
    tokens: proposal.tokens,
    cids: candidates.map((c) => c.id),
    state: proposal.state,
  };
  await putJsonOnce(store, keys.proposal(searchId, iteration), record);
  const distinct = [...new Set(record.cids)];
  // Large batches travel as an S3 list (Distributed Map ItemReader), not in the payload.
  const candidatesKey = keys.candidateList(searchId, iteration);
  await putJson(store, candidatesKey, distinct);
  const inline = distinct.length <= LOOP_LIMITS.inlineMapMaxItems;
  return { searchId, iteration, candidates: inline ? distinct : [], count: distinct.length, candidatesKey };
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

/** SimulateAccelerator: simulate the child on its accelerator and check the hard limits. */
export async function simulateCandidate(
  ctx: StepContext,
  input: { searchId: string; iteration: number; cid: string },
): Promise<{ searchId: string; iteration: number; cid: string; feasible: boolean }> {
  const { store } = ctx;
  const { searchId, iteration, cid } = input;
  const key = keys.accelerator(searchId, iteration, cid);
  const existing = await tryGetJson<AcceleratorRecord>(store, key);
  if (existing) return { searchId, iteration, cid, feasible: existing.feasible };
  const spec = await loadSpec(store, searchId);
  const cand = await getJson<Candidate>(store, keys.candidate(searchId, iteration, cid));
  const data = await getJson<DatasetInfo>(store, keys.dataset(searchId));
  const record = acceleratorRecord(cid, cand, data, spec);
  await putJson(store, key, record);
  return { searchId, iteration, cid, feasible: record.feasible };
}

/** Simulate the child on its accelerator; past a hard limit (or unbuildable) it is infeasible. */
function acceleratorRecord(
  cid: string,
  cand: Candidate,
  data: DatasetInfo,
  spec: SearchSpec,
): AcceleratorRecord {
  let summary: ReturnType<typeof summarizeNetwork>;
  try {
    summary = summarizeNetwork(cand.network, data.shape, data.numClasses);
  } catch (e) {
    return { cid, feasible: false, violations: [`network: ${(e as Error).message}`] };
  }
  const m = simulateNetwork(summary, cand.accelerator, 'fast');
  const limits = checkHardLimits(
    { latencyMs: m.latencyMs, energyMJ: m.energyMJ, areaMM2: m.areaMM2 },
    spec.objectives,
  );
  return {
    cid,
    feasible: limits.feasible,
    violations: limits.violations,
    metrics: {
      latencyMs: m.latencyMs,
      latencyCycles: m.latencyCycles,
      energyMJ: m.energyMJ,
      areaMM2: m.areaMM2,
      utilizationPct: m.utilizationPct,
      tier: m.tier,
    },
    network: { params: summary.params, macs: summary.macs, layers: summary.layers.length },
  };
}

export type TrainingRecord = TrainResult & { cid: string; modelPrefix?: string; cached?: boolean };

/** The evaluation cache is keyed by canonical candidate id and everything that shapes training. */
export function budgetHash(spec: SearchSpec): string {
  return hashOf(
    {
      dataset: spec.dataset,
      training: { ...spec.training, maxSeconds: undefined },
      seed: spec.strategy.seed,
    },
    12,
  );
}

/** TrainChild: train the (feasible) child under the spec's budget and keep its model. */
export async function trainCandidate(
  ctx: StepContext,
  input: { searchId: string; iteration: number; cid: string },
): Promise<{ cid: string; status: string }> {
  const { store } = ctx;
  const { searchId, iteration, cid } = input;
  const key = keys.training(searchId, iteration, cid);
  const existing = await tryGetJson<TrainingRecord>(store, key);
  if (existing) return { cid, status: existing.status };
  const spec = await loadSpec(store, searchId);
  const cacheKey = keys.cache(searchId, cid, budgetHash(spec));
  const hit = await tryGetJson<TrainingRecord>(store, cacheKey);
  if (hit) {
    // A converged controller resamples what it has seen: reuse, do not retrain.
    await putJson(store, key, { ...hit, cached: true });
    return { cid, status: hit.status };
  }
  const cand = await getJson<Candidate>(store, keys.candidate(searchId, iteration, cid));
  const modelPrefix = keys.model(searchId, cid);
  const result = await trainChild({
    arch: cand.network,
    hyperparameters: cand.hyperparameters,
    dataset: spec.dataset,
    training: spec.training,
    seed: childSeed(spec, cid),
    // One split for the whole search: every child is scored on the same validation and test sets.
    dataSeed: spec.strategy.seed,
    readBytes: ctx.readBytes,
    saveModel: { store, prefix: modelPrefix },
  });
  const record: TrainingRecord = { cid, ...result, ...(result.status === 'failed' ? {} : { modelPrefix }) };
  await putJson(store, key, record);
  if (result.status !== 'failed') {
    // Two iterations training one cid concurrently both write it; the first one stays.
    await putJsonOnce(store, cacheKey, record).catch((e) => {
      if (!(e instanceof AlreadyExistsError)) throw e;
    });
  }
  return { cid, status: result.status };
}

export interface ChildSummary {
  cid: string;
  status: string;
  error?: string;
}

/** UpdatePolicy: rewards from both metric objects, then the controller's observe. */
export async function updatePolicy(
  ctx: StepContext,
  input: { searchId: string; iteration: number; children: ChildSummary[] },
): Promise<LoopState> {
  const { store } = ctx;
  const { searchId, iteration } = input;
  const spec = await loadSpec(store, searchId);
  const space = new SearchSpace(spec);
  const proposal = await getJson<ProposalRecord>(store, keys.proposal(searchId, iteration));
  const evaluations = await evaluateIteration(store, spec, searchId, proposal, input.children);
  await putJson(store, keys.evaluations(searchId, iteration), { iteration, evaluations });
  const byCid = new Map(evaluations.map((e) => [e.cid, e]));
  const observations = proposal.cids.map((cid, i) => {
    const e = byCid.get(cid);
    const trained = (e?.status === 'ok' || e?.status === 'cutShort') && e.metrics.valAccuracy !== undefined;
    return {
      tokens: proposal.tokens[i]!,
      reward: e?.reward ?? null,
      // For Pareto selection: the same validation metrics the reward is computed from.
      objectives: trained
        ? objectiveVector({ ...e.metrics, accuracy: e.metrics.valAccuracy! }, spec.objectives)
        : null,
    };
  });
  const next = policyFor(spec, space).observe(proposal.state, observations);
  const snapshot: PolicySnapshot = {
    version: SPEC_VERSION,
    specHash: specHashOf(spec),
    iteration,
    strategy: next,
  };
  await putJsonOnce(store, keys.policy(searchId, iteration), snapshot);

  const state = await getJson<SearchState>(store, keys.state(searchId));
  const updated = accumulate(state, iteration, evaluations, iso(ctx));
  await putJson(store, keys.state(searchId), updated);
  const stop = await shouldStop(ctx, spec, searchId, iteration, updated);
  const checkpoint = stop === undefined && iteration % LOOP_LIMITS.iterationsPerExecution === 0;
  return {
    searchId,
    iteration: iteration + 1,
    done: stop !== undefined,
    ...(checkpoint ? { checkpoint } : {}),
  };
}

function accumulate(state: SearchState, iteration: number, evs: Evaluation[], now: string): SearchState {
  // Re-running an iteration's update must not count it twice.
  if (state.iteration >= iteration) return { ...state, updatedAt: now };
  const rewards = evs.flatMap((e) => (e.status === 'ok' && e.reward !== null ? [e.reward] : []));
  const best = rewards.length ? Math.max(...rewards) : null;
  return {
    ...state,
    status: 'running',
    iteration,
    candidatesEvaluated: state.candidatesEvaluated + evs.length,
    trained: state.trained + evs.filter((e) => e.status === 'ok' || e.status === 'cutShort').length,
    failed: state.failed + evs.filter((e) => e.status === 'failed').length,
    infeasible: state.infeasible + evs.filter((e) => e.status === 'infeasible').length,
    cached: state.cached + evs.filter((e) => e.cached).length,
    bestReward: best === null ? state.bestReward : Math.max(best, state.bestReward ?? best),
    trainSeconds:
      (state.trainSeconds ?? 0) +
      evs.reduce((t, e) => t + (e.cached ? 0 : (e.training?.trainSeconds ?? 0)), 0),
    updatedAt: now,
  };
}

/** Why the loop should end after iteration k, or undefined to go on. */
async function shouldStop(
  ctx: StepContext,
  spec: SearchSpec,
  searchId: string,
  k: number,
  state?: SearchState,
): Promise<string | undefined> {
  if (k >= searchPlan(spec).iterations) return 'iterations';
  return stopReasonBeforeLoop(ctx, spec, searchId, state);
}

/** Why the search should end whatever the iteration (stop flag, budgets), or undefined. */
export async function stopReasonBeforeLoop(
  ctx: StepContext,
  spec: SearchSpec,
  searchId: string,
  state?: SearchState,
): Promise<string | undefined> {
  if (await ctx.store.tryGet(keys.stop(searchId))) return 'stop-flag';
  const s = state ?? (await getJson<SearchState>(ctx.store, keys.state(searchId)));
  if (s.candidatesEvaluated >= spec.budget.maxCandidates) return 'max-candidates';
  if ((nowOf(ctx) - Date.parse(s.startedAt)) / 1000 > spec.budget.maxWallSeconds) return 'max-wall-seconds';
  // The USD cap uses the model's per-child time, not measured seconds, so the same spec and
  // seed stop at the same iteration on any machine.
  if (costSoFar(spec, { ...s, trainSeconds: undefined }).totalUSD >= spec.budget.maxUSD) return 'max-usd';
  return undefined;
}

/** Finalize: Pareto front, best candidates and provenance into results.json. */
export async function finalizeSearch(
  ctx: StepContext,
  input: { searchId: string },
): Promise<{ searchId: string; status: string; resultsKey: string }> {
  const { store } = ctx;
  const spec = await loadSpec(store, input.searchId);
  const state = await getJson<SearchState>(store, keys.state(input.searchId));
  const reason = await shouldStop(ctx, spec, input.searchId, state.iteration, state);
  const status: SearchState['status'] = reason === 'iterations' ? 'succeeded' : 'stopped';
  await finalizeResults(store, spec, input.searchId, state, status, reason);
  await writeReport(store, input.searchId);
  const final: SearchState = {
    ...state,
    status,
    updatedAt: iso(ctx),
    ...(reason ? { stopReason: reason } : {}),
  };
  await putJson(store, keys.state(input.searchId), final);
  return { searchId: input.searchId, status, resultsKey: keys.results(input.searchId) };
}
