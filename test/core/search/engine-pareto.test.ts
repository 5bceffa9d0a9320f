// Through the engine: updatePolicy passes each trained candidate's objective vector (validation
// accuracy, −ln latency) to evolution with selection "pareto", and null for infeasible ones.
// Training is a stub that writes a deterministic record; the loop runs locally.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSearch } from '../../../core/engine/create.js';
import { keys } from '../../../core/engine/keys.js';
import type { EvolutionState } from '../../../core/search/evolution.js';
import { FileStore } from '../../../core/store/file-store.js';
import { getJson, listAll } from '../../../core/store/json.js';
import { localDefinition } from '../../../local/definition.js';
import { runLocalExecution } from '../../../local/runner.js';
import { stubAccuracy, stubTrainer } from '../../helpers/stub-trainer.js';
import { tinySpec } from '../../helpers/tiny-spec.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-pareto-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('evolution with selection "pareto" runs through the engine and keeps objective vectors', async () => {
  const store = new FileStore(join(dir, 's'));
  const spec = tinySpec({
    strategy: {
      name: 'evolution',
      selection: 'pareto',
      populationSize: 4,
      iterations: 4,
      batchSize: 3,
      seed: 3,
    },
  });
  await createSearch(store, spec, 'pareto');
  const exec = await runLocalExecution({ store }, 'pareto', {
    definition: localDefinition(),
    // Test accuracy differs from validation accuracy, so the objectives show which one is used.
    handlers: { trainChild: stubTrainer(store, { testOffset: -0.01 }) },
  });
  expect(exec.output).toMatchObject({ searchId: 'pareto', status: 'succeeded' });
  const policy = await getJson<{ strategy: EvolutionState }>(store, keys.policy('pareto', 4));
  const pop = policy.strategy.population;
  expect(policy.strategy.params.selection).toBe('pareto');
  expect(pop).toHaveLength(4);
  const cids = (await listAll(store, `${keys.root('pareto')}metrics/`)).flatMap(
    (k) => /\/([0-9a-f]{16})\/training\.json$/.exec(k)?.[1] ?? [],
  );
  const accs = new Set(cids.map(stubAccuracy));
  for (const m of pop) {
    // The tiny spec has no limits: every trained member is feasible, with [valAccuracy, -ln latency].
    expect(m.objectives).toHaveLength(2);
    expect(accs.has(m.objectives![0]!)).toBe(true);
    expect(m.objectives![1]!).toBeGreaterThan(0); // latency well under 1 ms
  }
});
