// The loop's control flow through the synthesized definition, run locally: continue-as-new keeps
// every execution's history small, and the stop flag and the budget end the loop through Finalize.
// Training is replaced by a stub that writes a training record: these tests are about the loop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import { LOOP_LIMITS } from '../../core/engine/limits.js';
import type { SearchState } from '../../core/engine/state.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { STATE } from '../../infra/state-machine.js';
import { createApiHandler } from '../../lambdas/lib/api.js';
import { type LocalDefinition, localDefinition } from '../../local/definition.js';
import { inlineDistributedMaps, runLocalExecution } from '../../local/runner.js';
import { stubTrainer } from '../helpers/stub-trainer.js';
import { tinySpec } from '../helpers/tiny-spec.js';

/** Step Functions' limit on one execution's history. */
const HISTORY_LIMIT = 25_000;

let dir: string;
let definition: LocalDefinition;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-loop-'));
  definition = localDefinition();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Ev = { type: string; state?: { name: string } };

/** POST /searches/{id}/stop through the real API handler. */
function postStop(store: FileStore, id: string) {
  // One local caller that owns everything (tenancy is tested in test/lambdas/handlers/api.test.ts).
  const api = createApiHandler({
    store: () => store,
    starter: () => ({ start: async (x) => x }),
    caller: () => 'local',
    admins: ['local'],
  });
  return api({
    httpMethod: 'POST',
    resource: '/searches/{id}/stop',
    pathParameters: { id },
    headers: {},
    body: null,
  } as never);
}

describe('continue-as-new', () => {
  it(`starts a fresh execution every ${LOOP_LIMITS.iterationsPerExecution} iterations; no history nears 25,000 events`, async () => {
    const store = new FileStore(join(dir, 'can'));
    const N = LOOP_LIMITS.iterationsPerExecution;
    const spec = tinySpec({ strategy: { name: 'random', iterations: 2 * N + 3, batchSize: 3, seed: 5 } });
    await createSearch(store, spec, 'loop-can');
    const perState = new Map<string, number>();
    const exec = await runLocalExecution({ store }, 'loop-can', {
      definition,
      handlers: { trainChild: stubTrainer(store) },
      onEvent: (e: Ev) => {
        const n = e.state?.name ?? e.type;
        perState.set(n, (perState.get(n) ?? 0) + 1);
      },
    });
    expect(exec.output).toMatchObject({ searchId: 'loop-can', status: 'succeeded' });
    expect(exec.executions.map((e) => e.input)).toEqual([
      { searchId: 'loop-can' },
      { searchId: 'loop-can', iteration: N + 1 },
      { searchId: 'loop-can', iteration: 2 * N + 1 },
    ]);
    const results = await getJson<{ iterations: number; candidatesEvaluated: number }>(
      store,
      keys.results('loop-can'),
    );
    expect(results.iterations).toBe(2 * N + 3);
    // Distinct candidates per iteration (the random strategy can draw one twice in a batch).
    expect(results.candidatesEvaluated).toBeGreaterThan((2 * N + 3) * 2);
    expect(results.candidatesEvaluated).toBeLessThanOrEqual((2 * N + 3) * 3);
    expect(perState.get(STATE.continueAsNew)).toBe(2 * 2); // entered + exited, twice
    expect(perState.get(STATE.finalize)).toBe(2);

    // Events per iteration and per child, from the log; then the worst case of one execution:
    // N iterations of the largest inline batch. (An AWS history logs about 2.5x the local events
    // per Lambda task: entered, scheduled, started, succeeded, exited; the bound allows for it.)
    const iterations = 2 * N + 3;
    const children = results.candidatesEvaluated;
    const childEvents = [STATE.simulate, STATE.feasible, STATE.train, STATE.infeasible, STATE.childFailed]
      .map((s) => perState.get(s) ?? 0)
      .reduce((a, b) => a + b, 0);
    const mapIterationEvents = [...perState.entries()]
      .filter(([k]) => k.startsWith('MapIteration'))
      .reduce((a, [, v]) => a + v, 0);
    const perChild = (childEvents + mapIterationEvents) / children;
    const perIteration = (exec.events - childEvents - mapIterationEvents) / iterations;
    const worstExecution = 2.5 * N * (perIteration + perChild * LOOP_LIMITS.inlineMapMaxItems);
    expect(worstExecution).toBeLessThan(HISTORY_LIMIT);
    for (const e of exec.executions) expect(e.events).toBeLessThan(HISTORY_LIMIT / 10);
    // Without continue-as-new one execution would hold them all: the split is real.
    expect(Math.max(...exec.executions.map((e) => e.events))).toBeLessThan(exec.events / 2);
    console.log(
      JSON.stringify({
        eventsPerExecution: exec.executions.map((e) => e.events),
        perChild,
        perIteration,
        worstExecution,
      }),
    );
  }, 120_000);
});

describe('ending the loop through Finalize', () => {
  it('the stop flag ends a running search after the current iteration, with results', async () => {
    const store = new FileStore(join(dir, 'stop'));
    const spec = tinySpec({ strategy: { name: 'random', iterations: 6, batchSize: 2, seed: 9 } });
    await createSearch(store, spec, 'loop-stop');
    let stopStatus: number | undefined;
    const exec = await runLocalExecution({ store }, 'loop-stop', {
      definition,
      handlers: {
        // The user stops the search through the API while iteration 2 is training.
        trainChild: stubTrainer(store, {
          onTrain: async (k) => {
            if (k !== 2 || stopStatus !== undefined) return;
            stopStatus = (await postStop(store, 'loop-stop')).statusCode;
          },
        }),
      },
    });
    expect(stopStatus).toBe(202);
    expect(exec.output).toMatchObject({ searchId: 'loop-stop', status: 'stopped' });
    const state = await getJson<SearchState>(store, keys.state('loop-stop'));
    expect(state).toMatchObject({ status: 'stopped', stopReason: 'stop-flag', iteration: 2 });
    const results = await getJson<{
      status: string;
      stopReason: string;
      iterations: number;
      paretoFront: unknown[];
    }>(store, keys.results('loop-stop'));
    expect(results).toMatchObject({ status: 'stopped', stopReason: 'stop-flag', iterations: 2 });
    expect(results.paretoFront.length).toBeGreaterThan(0);
  }, 60_000);

  it('a stopped search cannot be stopped again (409)', async () => {
    const r = await postStop(new FileStore(join(dir, 'stop')), 'loop-stop');
    expect(r.statusCode).toBe(409);
  });

  it('the USD budget ends the loop through Finalize', async () => {
    const store = new FileStore(join(dir, 'usd'));
    const spec = tinySpec({
      strategy: { name: 'random', iterations: 6, batchSize: 2, seed: 9 },
      budget: { maxUSD: 0.0001 },
    });
    await createSearch(store, spec, 'loop-usd');
    const exec = await runLocalExecution({ store }, 'loop-usd', {
      definition,
      handlers: { trainChild: stubTrainer(store) },
    });
    expect(exec.output).toMatchObject({ status: 'stopped' });
    const state = await getJson<SearchState>(store, keys.state('loop-usd'));
    expect(state.stopReason).toBe('max-usd');
    expect(state.iteration).toBeLessThan(6);
    expect(await store.tryGet(keys.results('loop-usd'))).toBeDefined();
  }, 60_000);

  it('the candidate budget ends the loop through Finalize', async () => {
    const store = new FileStore(join(dir, 'cands'));
    const spec = tinySpec({
      strategy: { name: 'random', iterations: 6, batchSize: 2, seed: 9 },
      budget: { maxCandidates: 3 },
    });
    await createSearch(store, spec, 'loop-cands');
    await runLocalExecution({ store }, 'loop-cands', {
      definition,
      handlers: { trainChild: stubTrainer(store) },
    });
    const state = await getJson<SearchState>(store, keys.state('loop-cands'));
    expect(state).toMatchObject({ status: 'stopped', stopReason: 'max-candidates', candidatesEvaluated: 3 });
  }, 60_000);
});

describe('large batches locally', () => {
  it('run the Distributed Map branch as an inline Map over the S3 list', async () => {
    const store = new FileStore(join(dir, 'large'));
    const batch = LOOP_LIMITS.inlineMapMaxItems + 5;
    // The default space: large enough for more than a hundred distinct candidates in one batch.
    const spec = tinySpec({
      space: {},
      strategy: { name: 'random', iterations: 1, batchSize: batch, seed: 2 },
      budget: { maxCandidates: batch },
    });
    await createSearch(store, spec, 'loop-large');
    const seen = new Set<string>();
    const exec = await runLocalExecution({ store }, 'loop-large', {
      definition,
      handlers: { trainChild: stubTrainer(store) },
      onEvent: (e: Ev) => {
        if (e.type === 'StateEntered' && e.state) seen.add(e.state.name);
      },
    });
    expect(exec.output).toMatchObject({ status: 'succeeded' });
    expect(seen.has(STATE.distributedMap)).toBe(true);
    expect(seen.has(STATE.map)).toBe(false);
    const list = await getJson<string[]>(store, keys.candidateList('loop-large', 1));
    const state = await getJson<SearchState>(store, keys.state('loop-large'));
    expect(state.candidatesEvaluated).toBe(list.length);
    // The rewrite touches only Distributed Maps.
    const local = inlineDistributedMaps(definition.definition);
    expect(local.States[STATE.map]).toEqual(definition.definition.States[STATE.map]);
    expect(JSON.stringify(local)).not.toContain('DISTRIBUTED');
  }, 120_000);
});
