// Machinery every strategy shares: the base state, its validation, and matching results to
// the pending proposals (which is where unknown and duplicate results are caught).
import { hashOf } from '../hash.js';
import type { StrategySpec } from '../spec/schema.js';
import {
  type InitOptions,
  type Observation,
  type PendingEntry,
  STATE_VERSION,
  type StrategyState,
} from './strategy.js';

export class StrategyStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyStateError';
  }
}

export function baseState(
  kind: string,
  cardinalities: readonly number[],
  spec: StrategySpec,
  options: InitOptions | undefined,
): StrategyState {
  if (cardinalities.length === 0) throw new Error('a search space needs at least one decision');
  cardinalities.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1)
      throw new Error(`cardinalities[${i}] must be an integer >= 1, got ${c}`);
  });
  return {
    kind,
    version: STATE_VERSION,
    specHash: options?.specHash ?? hashOf({ cardinalities, spec, groups: options?.groups ?? null }),
    cardinalities: [...cardinalities],
    round: 0,
    pending: [],
    observed: 0,
  };
}

/** A deep copy after checking that the state is one this strategy can read. */
export function openState<S extends StrategyState>(state: S, kind: string): S {
  if (state === null || typeof state !== 'object')
    throw new StrategyStateError('strategy state is not an object');
  if (state.version !== STATE_VERSION)
    throw new StrategyStateError(
      `strategy state has version ${String(state.version)}, this code reads version ${STATE_VERSION}`,
    );
  if (state.kind !== kind)
    throw new StrategyStateError(`strategy state is for "${String(state.kind)}", not "${kind}"`);
  if (
    !Array.isArray(state.cardinalities) ||
    !Array.isArray(state.pending) ||
    typeof state.specHash !== 'string'
  )
    throw new StrategyStateError('strategy state is malformed (cardinalities, pending or specHash missing)');
  state.cardinalities.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1)
      throw new StrategyStateError(`strategy state: cardinalities[${i}] is ${c}`);
  });
  return structuredClone(state);
}

/** Throws unless `m` is a finite matrix with one row of `cardinalities[d]` numbers per decision. */
export function checkMatrix(what: string, m: unknown, cardinalities: readonly number[]): void {
  const ok =
    Array.isArray(m) &&
    m.length === cardinalities.length &&
    m.every(
      (row, d) =>
        Array.isArray(row) &&
        row.length === cardinalities[d] &&
        row.every((x) => typeof x === 'number' && Number.isFinite(x)),
    );
  if (!ok) throw new StrategyStateError(`strategy state: ${what} does not match the space's cardinalities`);
}

/** Throws unless the state belongs to the spec with this hash. */
export function assertSameSpec(state: StrategyState, specHash: string): void {
  if (state.specHash !== specHash)
    throw new StrategyStateError(
      `strategy state belongs to spec ${state.specHash}, not to this spec (${specHash}); start a new search`,
    );
}

export function checkBatchSize(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new RangeError(`propose: n must be an integer in [1, 1e6], got ${n}`);
}

/** Records proposals as pending and returns their ids. */
export function addPending(state: StrategyState, tokens: number[][], logProbs?: number[]): string[] {
  const ids = tokens.map((_, i) => `${state.round}.${i}`);
  tokens.forEach((t, i) => {
    const e: PendingEntry = { id: ids[i]!, tokens: t };
    if (logProbs) e.logProb = logProbs[i]!;
    state.pending.push(e);
  });
  state.round += 1;
  return ids;
}

export interface Matched {
  entry: PendingEntry;
  reward: number | null;
  /** As observed: undefined when not given. */
  objectives?: number[] | null;
}

const key = (t: readonly number[]) => t.join(',');

/**
 * Pairs each observation with a pending proposal (by proposalId, else by exact tokens) and
 * removes the matched entries from `state.pending`. The result is in proposal order, whatever
 * order the observations came in, so the update is the same for any arrival order.
 */
export function matchObservations(state: StrategyState, observations: readonly Observation[]): Matched[] {
  if (!Array.isArray(observations)) throw new TypeError('observe: observations must be an array');
  const taken = new Set<number>();
  const pairs: { index: number; reward: number | null; objectives?: number[] | null }[] = [];
  observations.forEach((o, k) => {
    const where = `observations[${k}]`;
    if (!Array.isArray(o?.tokens)) throw new StrategyStateError(`${where}.tokens must be an array`);
    if (o.reward !== null && (typeof o.reward !== 'number' || !Number.isFinite(o.reward)))
      throw new StrategyStateError(
        `${where}.reward must be a finite number or null, got ${String(o.reward)}`,
      );
    const obj = o.objectives;
    if (
      obj !== undefined &&
      obj !== null &&
      !(Array.isArray(obj) && obj.length > 0 && obj.every((x) => typeof x === 'number' && Number.isFinite(x)))
    )
      throw new StrategyStateError(`${where}.objectives must be a non-empty array of finite numbers or null`);
    let index: number;
    if (o.proposalId !== undefined) {
      index = state.pending.findIndex((e) => e.id === o.proposalId);
      if (index < 0)
        throw new StrategyStateError(
          `${where}: proposal ${o.proposalId} is not pending (unknown or already observed)`,
        );
      if (taken.has(index))
        throw new StrategyStateError(`${where}: duplicate result for proposal ${o.proposalId}`);
      if (key(state.pending[index]!.tokens) !== key(o.tokens))
        throw new StrategyStateError(`${where}: tokens differ from those proposed as ${o.proposalId}`);
    } else {
      const k2 = key(o.tokens);
      const all = state.pending.flatMap((e, i) => (key(e.tokens) === k2 ? [i] : []));
      if (all.length === 0)
        throw new StrategyStateError(
          `${where}: tokens [${k2}] were not proposed in a pending batch (unknown candidate)`,
        );
      const free = all.find((i) => !taken.has(i));
      if (free === undefined)
        throw new StrategyStateError(
          `${where}: duplicate result for tokens [${k2}] (more results than proposals)`,
        );
      index = free;
    }
    taken.add(index);
    pairs.push({ index, reward: o.reward, ...(obj !== undefined ? { objectives: obj && [...obj] } : {}) });
  });
  pairs.sort((a, b) => a.index - b.index);
  const matched: Matched[] = pairs.map(({ index, ...rest }) => ({ entry: state.pending[index]!, ...rest }));
  state.pending = state.pending.filter((_, i) => !taken.has(i));
  state.observed += observations.length;
  return matched;
}

export function uniformTokens(cardinalities: readonly number[], rng: { int(n: number): number }): number[] {
  return cardinalities.map((c) => rng.int(c));
}
