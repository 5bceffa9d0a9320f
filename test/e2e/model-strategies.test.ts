// The model-based strategies (`tpe`, `mobo`) through the synthesized state machine, run locally:
// their JSON state goes through the store between iterations, the engine's objective vectors reach
// them, and the same spec gives the same search. Training is the stub (these tests are about the
// strategies in the loop, not training).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import type { PolicySnapshot } from '../../core/engine/state.js';
import type { TpeState } from '../../core/search/tpe.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { type LocalDefinition, localDefinition } from '../../local/definition.js';
import { runLocalExecution } from '../../local/runner.js';
import { stubTrainer } from '../helpers/stub-trainer.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
let definition: LocalDefinition;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-model-strategies-'));
  definition = localDefinition();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ITERATIONS = 4;
const BATCH = 4;

async function search(name: 'tpe' | 'mobo', where: string) {
  const store = new FileStore(join(dir, where));
  // A latency target makes the objective vector two-dimensional (accuracy, −ln latency); the
  // stub trainer records an fp32 accuracy only.
  const spec = tinySpec({
    objectives: { accuracy: { source: 'fp32' }, latencyMs: { target: 0.01 } },
    strategy: { name, iterations: ITERATIONS, batchSize: BATCH, seed: 3 },
  });
  const id = `e2e-${name}`;
  await createSearch(store, spec, id);
  const exec = await runLocalExecution({ store }, id, {
    definition,
    handlers: { trainChild: stubTrainer(store) },
  });
  const policy = (await getJson<PolicySnapshot>(store, keys.policy(id, ITERATIONS))).strategy as TpeState;
  const results = await getJson<{ candidatesEvaluated: number; paretoFront: { cid: string }[] }>(
    store,
    keys.results(id),
  );
  return { exec, policy, results };
}

describe.each(['tpe', 'mobo'] as const)('%s in the loop', (name) => {
  it('runs every iteration, learns from the objective vectors, and repeats itself from the same spec', async () => {
    const a = await search(name, `${name}-a`);
    expect(a.exec.output).toMatchObject({ status: 'succeeded' });
    expect(a.policy.kind).toBe(name);
    expect(a.policy.pending).toEqual([]);
    expect(a.policy.round).toBe(ITERATIONS);
    // Past the 10 startup trials, so the last batch came from the models.
    expect(a.policy.trials.length).toBe(ITERATIONS * BATCH);
    for (const t of a.policy.trials) {
      // Feasible trials carry (accuracy, −ln latency); none is infeasible in this space.
      expect(t.objectives).toHaveLength(2);
      expect(t.objectives![0]).toBeGreaterThan(0);
    }
    expect(a.results.candidatesEvaluated).toBe(ITERATIONS * BATCH);
    expect(a.results.paretoFront.length).toBeGreaterThan(0);

    const b = await search(name, `${name}-b`);
    expect(b.policy).toEqual(a.policy);
    expect(b.results.paretoFront.map((p) => p.cid)).toEqual(a.results.paretoFront.map((p) => p.cid));
  }, 180_000);
});
