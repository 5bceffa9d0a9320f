// A local search as a user runs it: the synthesized loop, children on worker threads,
// live progress, and Ctrl-C as a clean stop through the stop flag.
import type { Evaluation } from '../core/engine/evaluation.js';
import { keys } from '../core/engine/keys.js';
import { loadSpec, type SearchState, type SupernetProgress } from '../core/engine/state.js';
import { isTrained } from '../core/search/outcome.js';
import { paretoFront } from '../core/search/pareto.js';
import { searchPlan } from '../core/spec/plan.js';
import { OBJECTIVE_NAMES } from '../core/spec/schema.js';
import { getJson, tryGetJson } from '../core/store/json.js';
import type { Store } from '../core/store/store.js';
import { AT_SCALE_SUFFIX, STATE } from '../infra/state-machine.js';
import { s3Reader } from '../lambdas/lib/context.js';
import { CandidateEvent, InitEvent } from '../lambdas/lib/events.js';
import type { StepName } from '../lambdas/lib/steps-table.js';
import { HANG_GRACE_SECONDS, withHangGuard } from './hang.js';
import { type LocalHandler, localHandlers, loopDefinition, runLocalExecution } from './runner.js';
import { TrainPool } from './train-pool.js';

export interface Progress {
  iteration: number;
  iterations: number;
  /** Children finished (trained, infeasible or failed): those of earlier runs plus this run's. */
  childrenDone: number;
  /** Children finished in this run only (a resumed search counts its earlier ones in childrenDone). */
  childrenThisRun: number;
  /** How much of the search is done, 0..1: whole iterations plus the share of the current one. */
  fraction: number;
  /** The iteration this run started after (0 for a fresh search). */
  startIteration: number;
  /** A slow step now running that shows nothing else (loading the dataset, the first children). */
  phase?: string;
  trained: number;
  failed: number;
  infeasible: number;
  cached: number;
  bestReward: number | null;
  paretoSize: number;
  elapsedSeconds: number;
  etaSeconds: number | null;
  /** AutoHAS: the supernet phase, before the loop retrains its top-k. */
  supernet?: SupernetProgress;
}

export type ProgressEvent = 'phase' | 'supernet' | 'child' | 'iteration' | 'done';

export interface SessionOptions {
  /** Training workers; default the spec's strategy.concurrency. 0 trains in-process. */
  workers?: number;
  /**
   * Workers shared with other searches (`cosearch serve`), used instead of a pool of this
   * session's own, and left open at the end.
   */
  pool?: TrainPool;
  onProgress?: (p: Progress, event: ProgressEvent) => void;
  /** Stop cleanly when this signal aborts (Ctrl-C): the loop ends through Finalize. */
  signal?: AbortSignal;
  /** Seconds past training.maxSeconds before a child counts as hung (default HANG_GRACE_SECONDS). */
  hangGraceSeconds?: number;
  /** Replaces step handlers (fault-injection tests); trainChild still runs under the hang guard. */
  handlers?: Partial<Record<StepName, LocalHandler>>;
}

export interface SessionResult {
  searchId: string;
  status: string;
  events: number;
  seconds: number;
  /** Wall seconds during which a child was being simulated or trained, or a supernet chunk ran. */
  childSeconds: number;
}

type Scored = Evaluation & { id: string };

export async function runSession(
  store: Store,
  searchId: string,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const spec = await loadSpec(store, searchId);
  const plan = searchPlan(spec);
  const iterations = plan.iterations;
  const workers = options.pool?.size ?? options.workers ?? spec.strategy.concurrency;
  const ownPool = !options.pool && workers > 0 ? new TrainPool(workers) : undefined;
  const pool = options.pool ?? ownPool;
  const hangSeconds = spec.training.maxSeconds + (options.hangGraceSeconds ?? HANG_GRACE_SECONDS);
  const handlers: Partial<Record<StepName, LocalHandler>> = { ...options.handlers };
  if (handlers.trainChild) handlers.trainChild = withHangGuard(handlers.trainChild, hangSeconds);
  else if (pool)
    handlers.trainChild = async (input) =>
      (await pool.run({ storeUri: store.uri, input: CandidateEvent.parse(input) }, hangSeconds)) as never;
  else
    handlers.trainChild = withHangGuard(
      localHandlers({ store, readBytes: s3Reader() }).trainChild,
      hangSeconds,
    );

  if (pool && !handlers.supernetChunk)
    handlers.supernetChunk = async (input) =>
      (await pool.run(
        { storeUri: store.uri, step: 'supernetChunk', input: InitEvent.parse(input) },
        // The function's timeout, counted from when a worker takes the chunk.
        loopDefinition().timeouts[STATE.supernet],
        `${STATE.supernet}'s function timeout`,
      )) as never;

  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const iterationEnds: number[] = [];
  const seen = new Set<string>();
  let front: Scored[] = [];
  let childrenDone = 0;
  let childrenAtIteration = 0;
  let caughtTrains = 0;
  let phase: string | undefined;
  let state = await getJson<SearchState>(store, keys.state(searchId));
  const startIteration = state.iteration;
  const childrenBefore = state.candidatesEvaluated;
  const snapshot = (): Progress => {
    const runIters = state.iteration - startIteration;
    const perIter = runIters > 0 ? (iterationEnds.at(-1) ?? 0) / runIters : null;
    const inIteration = Math.min(1, (childrenDone - childrenAtIteration) / plan.batchSize);
    const fraction = Math.min(
      1,
      (state.iteration + (state.iteration < iterations ? inIteration : 0)) / iterations,
    );
    // Before an iteration of this run has ended, the pace of its children is the only measure.
    const eta =
      perIter !== null
        ? perIter * Math.max(0, iterations - state.iteration)
        : childrenDone > 0 && fraction > state.iteration / iterations
          ? (seconds() / (fraction - startIteration / iterations)) * (1 - fraction)
          : null;
    return {
      iteration: state.iteration,
      iterations,
      childrenDone: childrenBefore + childrenDone,
      childrenThisRun: childrenDone,
      fraction,
      startIteration,
      ...(phase ? { phase } : {}),
      trained: state.trained,
      failed: state.failed,
      infeasible: state.infeasible,
      cached: state.cached,
      bestReward: state.bestReward,
      paretoSize: front.length,
      elapsedSeconds: seconds(),
      etaSeconds: eta,
      ...(state.supernet ? { supernet: state.supernet } : {}),
    };
  };
  // Progress reads run one after another, so lines come out in iteration order.
  let reads = Promise.resolve();
  const refreshState = async () => {
    state = (await tryGetJson<SearchState>(store, keys.state(searchId))) ?? state;
  };
  /** Adds iteration k's trained children to the front so far. */
  const absorb = async (k: number) => {
    const it = await tryGetJson<{ evaluations: Evaluation[] }>(store, keys.evaluations(searchId, k));
    const fresh: Scored[] = [];
    for (const e of it?.evaluations ?? [])
      if (isTrained(e.status) && e.metrics.accuracy !== undefined && !seen.has(e.cid)) {
        seen.add(e.cid);
        fresh.push({ ...e, id: e.cid });
      }
    // A point off the front stays off it, so the front so far plus the new points is enough.
    front = paretoFront([...front, ...fresh], OBJECTIVE_NAMES);
  };
  // A resumed search's front and counters start from its completed iterations.
  for (let k = 1; k <= startIteration; k++) await absorb(k);
  const onIteration = (k: number) => {
    reads = reads.then(async () => {
      await refreshState();
      await absorb(k);
      childrenAtIteration = childrenDone;
      iterationEnds.push(seconds());
      options.onProgress?.(snapshot(), 'iteration');
    });
  };
  // The slow steps that print nothing else: say what is happening, once each.
  const announced = new Set<string>();
  const announce = (name: string, what: string) => {
    if (announced.has(name)) return;
    announced.add(name);
    phase = what;
    options.onProgress?.(snapshot(), 'phase');
  };
  const busy = new BusyClock();
  const onAbort = () => void store.put(keys.stop(searchId), 'stopped by user\n');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exec = await runLocalExecution({ store, readBytes: s3Reader() }, searchId, {
      handlers,
      onEvent: (e) => {
        // Per-candidate states of the Distributed Map branch carry a suffix (TrainChildAtScale).
        const name = e.state?.name?.replace(new RegExp(`${AT_SCALE_SUFFIX}$`), '');
        if (name === STATE.train || name === STATE.simulate || name === STATE.supernet)
          busy.track(e.type, e.timestamp);
        if (e.type === 'StateEntered') {
          if (name === STATE.init)
            announce(name, `loading the dataset (${spec.dataset.uri}) and starting the controller`);
          else if (name === STATE.supernet)
            announce(name, 'training the supernet (the first chunk also loads the dataset and tfjs)');
          else if (name === STATE.train)
            announce(
              name,
              `training the first children (each of ${workers || 1} worker${workers > 1 ? 's' : ''} loads tfjs and the dataset first)`,
            );
        }
        // A caught TrainChild still exits, then ChildFailed counts the child.
        if (e.type === 'StateCaught' && name === STATE.train) caughtTrains++;
        if (e.type !== 'StateExited') return;
        // A long child leaves TrainChild once per chunk; only its last chunk finishes it.
        const unfinished =
          name === STATE.train && (e.state as { output?: { done?: boolean } }).output?.done === false;
        if (name === STATE.train && caughtTrains > 0) caughtTrains--;
        else if (unfinished) return;
        else if (name === STATE.train || name === STATE.infeasible || name === STATE.childFailed) {
          childrenDone++;
          phase = undefined;
          options.onProgress?.(snapshot(), 'child');
        }
        if (name === STATE.supernet) {
          reads = reads.then(async () => {
            await refreshState();
            options.onProgress?.(snapshot(), 'supernet');
          });
        }
        if (name === STATE.update) {
          const output = (e.state as { output?: { iteration?: number } }).output;
          onIteration((output?.iteration ?? state.iteration + 2) - 1);
        }
      },
    });
    await reads;
    state = await getJson<SearchState>(store, keys.state(searchId));
    options.onProgress?.(snapshot(), 'done');
    const output = exec.output as { status?: string };
    return {
      searchId,
      status: output.status ?? state.status,
      events: exec.events,
      seconds: seconds(),
      childSeconds: busy.seconds,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await ownPool?.close();
  }
}

/** Union of the intervals in which any child state runs: the rest of the wall time is overhead. */
class BusyClock {
  private active = 0;
  private since = 0;
  seconds = 0;

  track(type: string, timestamp: number): void {
    if (type === 'StateEntered') {
      if (this.active++ === 0) this.since = timestamp;
    } else if ((type === 'StateExited' || type === 'StateFailed') && this.active > 0) {
      if (--this.active === 0) this.seconds += (timestamp - this.since) / 1000;
    }
  }
}
