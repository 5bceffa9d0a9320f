// The failure path of the synthesized state machine, run locally: a step that throws is caught,
// MarkFailed writes status "failed" with the cause (error, message, key), and the execution
// fails. A failed child keeps its cause too, and a throttled one says it was throttled.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import type { Evaluation } from '../../core/engine/evaluation.js';
import { keys } from '../../core/engine/keys.js';
import type { SearchState } from '../../core/engine/state.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { STATE } from '../../infra/state-machine.js';
import { type LocalDefinition, localDefinition } from '../../local/definition.js';
import {
  type LocalHandler,
  localHandlers,
  runLocalExecution,
  SearchFailedError,
} from '../../local/runner.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
let store: FileStore;
let def: LocalDefinition;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-failure-'));
  store = new FileStore(dir);
  def = localDefinition();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = () => tinySpec({ strategy: { name: 'random', iterations: 2, batchSize: 2, seed: 11 } });
const stateOf = (id: string) => getJson<SearchState>(store, keys.state(id));

async function runExpectingFailure(id: string, options: Parameters<typeof runLocalExecution>[2] = {}) {
  const e = await runLocalExecution({ store }, id, { definition: def, ...options }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(SearchFailedError);
  return e as SearchFailedError;
}

describe('a search that cannot go on ends as failed', () => {
  it('a corrupt policy object fails SampleCandidates: MarkFailed records error, message and key', async () => {
    await createSearch(store, spec(), 'corrupt-policy');
    const real = localHandlers({ store });
    const policyKey = keys.policy('corrupt-policy', 0);
    let marked = 0;
    const err = await runExpectingFailure('corrupt-policy', {
      handlers: {
        // Init as it is, then the policy it wrote is cut short, as a torn write would leave it.
        init: async (input) => {
          const out = await real.init(input);
          const whole = new TextDecoder().decode(await store.get(policyKey));
          await store.put(policyKey, whole.slice(0, 20));
          return out;
        },
        markFailed: async (input) => {
          marked++;
          return real.markFailed(input);
        },
      },
    });
    expect(marked).toBe(1);
    const state = await stateOf('corrupt-policy');
    expect(state.status).toBe('failed');
    expect(state.failure).toMatchObject({ error: 'CorruptObjectError', key: policyKey });
    expect(state.failure!.message).toContain(`corrupt object: ${policyKey}`);
    expect(state.failure!.message).toMatch(/not valid JSON/);
    expect(err.message).toContain(policyKey);
  });

  it('a corrupt state.json fails Init on resume, and MarkFailed still writes a failed state', async () => {
    await createSearch(store, spec(), 'corrupt-state');
    await store.put(keys.state('corrupt-state'), '{"searchId": "corrupt-st');
    await runExpectingFailure('corrupt-state');
    const state = await stateOf('corrupt-state');
    expect(state).toMatchObject({ searchId: 'corrupt-state', status: 'failed', iterations: 2 });
    expect(state.failure).toMatchObject({ error: 'CorruptObjectError', key: keys.state('corrupt-state') });
  });

  it('UpdatePolicy and Finalize failures are caught too', async () => {
    for (const step of ['updatePolicy', 'finalize'] as const) {
      const id = `fails-in-${step.toLowerCase()}`;
      await createSearch(store, spec(), id);
      const boom: LocalHandler = async () => {
        throw Object.assign(new Error(`disk full writing ${keys.results(id)}`), { name: 'WriteError' });
      };
      await runExpectingFailure(id, { handlers: { [step]: boom } });
      expect((await stateOf(id)).failure).toMatchObject({ error: 'WriteError', key: keys.results(id) });
    }
  });

  it('an execution that times out is marked failed (the cloud does it with an EventBridge rule)', async () => {
    await createSearch(store, spec(), 'times-out');
    const short: LocalDefinition = { ...def, definition: { ...def.definition, TimeoutSeconds: 1 } };
    await runExpectingFailure('times-out', {
      definition: short,
      handlers: { sampleCandidates: () => new Promise(() => undefined) },
    });
    const state = await stateOf('times-out');
    expect(state.status).toBe('failed');
    expect(state.failure).toMatchObject({ error: 'States.Timeout' });
    expect(state.failure!.message).toMatch(/timed out after 1 s/);
  });
});

describe('a failed child keeps its cause', () => {
  const reasons = async (id: string) => {
    const it = await getJson<{ evaluations: Evaluation[] }>(store, keys.evaluations(id, 1));
    return it.evaluations.filter((e) => e.status === 'failed').map((e) => e.reason);
  };

  it('records the message and the file it names, not just the error name', async () => {
    await createSearch(store, spec(), 'child-cause');
    const gone = 'file:///nowhere/digits.csv';
    const out = await runLocalExecution({ store }, 'child-cause', {
      definition: def,
      handlers: {
        trainChild: async () => {
          throw Object.assign(new Error(`cannot read dataset ${gone}: ENOENT: no such file`), {
            name: 'DatasetError',
          });
        },
      },
    });
    expect((out.output as { status: string }).status).toBe('succeeded');
    const r = await reasons('child-cause');
    expect(r.length).toBeGreaterThan(0);
    for (const reason of r)
      expect(reason).toBe(`DatasetError: cannot read dataset ${gone}: ENOENT: no such file`);
  });

  it('a child throttled past every retry is recorded as Throttled, after the retries ran', async () => {
    await createSearch(store, spec(), 'child-throttled');
    const calls = new Map<string, number>();
    await runLocalExecution({ store }, 'child-throttled', {
      definition: def,
      handlers: {
        trainChild: async (input) => {
          const { iteration, cid } = input as { iteration: number; cid: string };
          calls.set(`${iteration}/${cid}`, (calls.get(`${iteration}/${cid}`) ?? 0) + 1);
          throw Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
        },
      },
    });
    const retrier = (
      def.definition.States[STATE.map] as {
        ItemProcessor: {
          States: Record<string, { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] }>;
        };
      }
    ).ItemProcessor.States[STATE.train]!.Retry.find((r) =>
      r.ErrorEquals.includes('Lambda.TooManyRequestsException'),
    )!;
    // Every throttled child was tried once and then retried MaxAttempts times before it was caught.
    expect(calls.size).toBeGreaterThan(0);
    for (const n of calls.values()) expect(n).toBe(retrier.MaxAttempts + 1);
    for (const reason of await reasons('child-throttled'))
      expect(reason).toMatch(
        /^Throttled: Lambda\.TooManyRequestsException after every retry .*Rate Exceeded/,
      );
  });
});
