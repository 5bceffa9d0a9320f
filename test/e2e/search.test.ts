// A whole search through the synthesized state machine, run locally against a file store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceleratorArea } from '../../core/accelerator/index.js';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import { Rng } from '../../core/rng.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson, listAll } from '../../core/store/json.js';
import { createApiHandler } from '../../lambdas/lib/api.js';
import { type LocalDefinition, localDefinition } from '../../local/definition.js';
import { runLocalExecution } from '../../local/runner.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
let definition: LocalDefinition;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-e2e-'));
  definition = localDefinition();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Results {
  candidatesEvaluated: number;
  accuracySource: string;
  paretoFront: {
    cid: string;
    candidate: unknown;
    metrics: Record<string, number>;
    status: string;
    accuracySource: string;
  }[];
  best: { reward: { cid: string } | null };
  specHash: string;
  versions: Record<string, string>;
  status: string;
}

describe('a 2-iteration × 3-candidate search', () => {
  it('runs end to end and writes results.json', async () => {
    const store = new FileStore(join(dir, 'a'));
    const spec = tinySpec();
    const { specHash } = await createSearch(store, spec, 'e2e-basic');
    const exec = await runLocalExecution({ store }, 'e2e-basic', { definition });
    expect(exec.output).toMatchObject({ searchId: 'e2e-basic', status: 'succeeded' });

    const results = await getJson<Results>(store, keys.results('e2e-basic'));
    expect(results.status).toBe('succeeded');
    expect(results.candidatesEvaluated).toBe(6);
    expect(results.specHash).toBe(specHash);
    expect(results.versions.node).toMatch(/^22\./);
    expect(results.versions.tfjs).toMatch(/^\d+\.\d+/);
    expect(results.paretoFront.length).toBeGreaterThan(0);
    for (const p of results.paretoFront) {
      expect(p.cid).toMatch(/^[0-9a-f]{16}$/);
      expect(p.metrics.accuracy).toBeGreaterThan(0);
      // The systolic array computes in int8: the front ranks the quantized model, fp32 beside it.
      expect(p.accuracySource).toBe('quantized');
      expect(p.metrics.accuracy).toBe(p.metrics.quantizedAccuracy);
      expect(p.metrics.fp32Accuracy).toBeGreaterThan(0);
      expect(p.metrics.weightBits).toBe(8);
      expect(p.metrics.latencyMs).toBeGreaterThan(0);
      expect(p.candidate).toHaveProperty('network');
      expect(p.candidate).toHaveProperty('accelerator');
    }
    expect(results.best.reward).not.toBeNull();
    // Both iterations updated the policy, and each evaluated candidate's model was kept.
    const all = await listAll(store, keys.root('e2e-basic'));
    expect(all).toContain(keys.policy('e2e-basic', 1));
    expect(all).toContain(keys.policy('e2e-basic', 2));
    expect(all).toContain(keys.report('e2e-basic'));
    expect(results.accuracySource).toBe('quantized');
    for (const p of results.paretoFront) {
      expect(all).toContain(`${keys.model('e2e-basic', p.cid)}model.json`);
      expect(all).toContain(`${keys.model('e2e-basic', p.cid)}int8.json`);
      expect(all).toContain(`${keys.model('e2e-basic', p.cid)}int8.bin`);
    }
  });

  it('state.json and results.json count trained, cached and evaluated children alike', async () => {
    const store = new FileStore(join(dir, 'counts'));
    // One candidate in the whole space: iteration 2 answers it from the cache.
    const spec = tinySpec({
      space: {
        network: {
          stages: 1,
          stemFilters: [8],
          blockType: ['conv'],
          kernel: [3],
          filters: [8],
          layers: [1],
          stride: [1],
        },
        accelerator: {
          template: 'systolic',
          rows: [4],
          cols: [4],
          dataflow: ['os'],
          ifmapSramKB: [16],
          filterSramKB: [16],
          ofmapSramKB: [16],
        },
        hyperparameters: { learningRate: [0.01], weightDecay: [0] },
      },
      strategy: { name: 'random', iterations: 2, batchSize: 2, seed: 3 },
    });
    await createSearch(store, spec, 'e2e-counts');
    await runLocalExecution({ store }, 'e2e-counts', { definition });
    const state = await getJson<Record<string, number>>(store, keys.state('e2e-counts'));
    const results = await getJson<Record<string, number>>(store, keys.results('e2e-counts'));
    const counters = ['candidatesEvaluated', 'trained', 'cached', 'infeasible'] as const;
    expect(Object.fromEntries(counters.map((c) => [c, results[c]]))).toEqual(
      Object.fromEntries(counters.map((c) => [c, state[c]])),
    );
    expect(state).toMatchObject({ candidatesEvaluated: 2, trained: 1, cached: 1 });
  });

  it('trains long children in chunks through the state machine, with the results of unchunked ones', async () => {
    const run = async (id: string, stepsPerChunk?: number) => {
      const store = new FileStore(join(dir, id));
      const spec = tinySpec({
        strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 4 },
        training: { steps: 12, ...(stepsPerChunk ? { stepsPerChunk } : {}) },
      });
      await createSearch(store, spec, id);
      const states: string[] = [];
      await runLocalExecution({ store }, id, {
        definition,
        onEvent: (e: { type: string; state?: { name: string } }) => {
          if (e.type === 'StateEntered' && e.state) states.push(e.state.name);
        },
      });
      const results = await getJson<{ paretoFront: { cid: string; metrics: Record<string, number> }[] }>(
        store,
        keys.results(id),
      );
      const curves = [];
      for (const p of results.paretoFront)
        curves.push((await getJson<{ lossCurve?: unknown }>(store, keys.training(id, 1, p.cid))).lossCurve);
      return {
        states,
        front: results.paretoFront.map((p) => [p.cid, p.metrics.accuracy]),
        all: await listAll(store, keys.root(id)),
        curves,
      };
    };
    const whole = await run('e2e-whole');
    const chunked = await run('e2e-chunked', 5);
    expect(chunked.front).toEqual(whole.front);
    // The loss curve kept for the report runs over every step, across the chunks too.
    expect(whole.curves[0]).toHaveLength(12);
    expect(chunked.curves).toEqual(whole.curves);
    // 12 steps in chunks of 5: three TrainChild invocations per feasible child.
    const trains = (s: string[]) => s.filter((n) => n === 'TrainChild').length;
    expect(trains(chunked.states)).toBe(3 * trains(whole.states));
    // Finished children leave no checkpoint behind.
    expect(chunked.all.filter((k) => k.includes('/checkpoints/'))).toEqual([]);
  });

  it('never trains a candidate that breaks a hard area limit', async () => {
    const store = new FileStore(join(dir, 'b'));
    const base = tinySpec();
    const space = new SearchSpace(base);
    // A limit between the smallest and the largest array in the space.
    const areas = [4, 16].map((n) =>
      acceleratorArea({
        ...space.sample(Rng.fromSeed(0)).accelerator,
        template: 'systolic',
        rows: n,
        cols: n,
      } as never),
    );
    const limit = (areas[0]! + areas[1]!) / 2;
    const spec = tinySpec({
      objectives: { areaMM2: { limit } },
      strategy: { name: 'random', iterations: 2, batchSize: 4, seed: 3 },
    });
    await createSearch(store, spec, 'e2e-limit');
    await runLocalExecution({ store }, 'e2e-limit', { definition });
    const evs = [
      ...(await getJson<{ evaluations: Ev[] }>(store, keys.evaluations('e2e-limit', 1))).evaluations,
      ...(await getJson<{ evaluations: Ev[] }>(store, keys.evaluations('e2e-limit', 2))).evaluations,
    ];
    const infeasible = evs.filter((e) => e.status === 'infeasible');
    expect(infeasible.length).toBeGreaterThan(0);
    for (const e of infeasible) {
      expect(e.metrics.areaMM2 ?? acceleratorArea(e.candidate.accelerator as never)).toBeGreaterThan(limit);
      expect(await store.tryGet(keys.training('e2e-limit', e.iteration, e.cid))).toBeUndefined();
      expect(await store.tryGet(`${keys.model('e2e-limit', e.cid)}model.json`)).toBeUndefined();
    }
    const trained = evs.filter((e) => e.status === 'ok');
    expect(trained.length).toBeGreaterThan(0);
  });
});

describe('every strategy runs through the loop', () => {
  it.each(['reinforce', 'reinforce-lstm', 'ppo', 'evolution', 'two-phase'] as const)('%s', async (name) => {
    const store = new FileStore(join(dir, `strategy-${name}`));
    await createSearch(
      store,
      tinySpec({ strategy: { name, iterations: 2, batchSize: 3, seed: 1 } }),
      'strat',
    );
    const exec = await runLocalExecution({ store }, 'strat', { definition });
    expect(exec.output).toMatchObject({ status: 'succeeded' });
    const results = await getJson<Results>(store, keys.results('strat'));
    expect(results.candidatesEvaluated).toBe(6);
    expect(results.paretoFront.length).toBeGreaterThan(0);
  });
});

describe('the API path', () => {
  it('POST /searches starts the synthesized loop; GET results returns its front', async () => {
    const store = new FileStore(join(dir, 'c'));
    const runs: Promise<unknown>[] = [];
    const api = createApiHandler({
      store: () => store,
      starter: () => ({
        start: async (searchId) => {
          runs.push(runLocalExecution({ store }, searchId, { definition }));
          return `local:${searchId}`;
        },
      }),
      caller: () => 'local',
    });
    const ev = (method: string, resource: string, extra: object = {}) =>
      ({ httpMethod: method, resource, headers: {}, body: null, pathParameters: null, ...extra }) as never;
    const spec = tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 1 } });
    const post = await api(ev('POST', '/searches', { body: JSON.stringify(spec) }));
    expect(post.statusCode).toBe(202);
    const { searchId } = JSON.parse(post.body);
    await Promise.all(runs);
    const res = await api(ev('GET', '/searches/{id}/results', { pathParameters: { id: searchId } }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).candidatesEvaluated).toBe(2);
    const status = JSON.parse(
      (await api(ev('GET', '/searches/{id}', { pathParameters: { id: searchId } }))).body,
    );
    expect(status.status).toBe('succeeded');
  });
});

interface Ev {
  cid: string;
  iteration: number;
  status: string;
  metrics: { areaMM2?: number };
  candidate: { accelerator: unknown };
}
