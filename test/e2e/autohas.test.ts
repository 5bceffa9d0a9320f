// An AutoHAS search through the synthesized state machine: supernet chunks, then the top-k
// retrained by the loop; stop and resume between chunks; a corrupt checkpoint.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopKRecord } from '../../core/engine/autohas.js';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import type { SearchState } from '../../core/engine/state.js';
import type { SearchSpec } from '../../core/spec/schema.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson, listAll } from '../../core/store/json.js';
import { STATE } from '../../infra/state-machine.js';
import { type LocalDefinition, localDefinition } from '../../local/definition.js';
import { localHandlers, runLocalExecution } from '../../local/runner.js';
import { withoutRunSpecific } from '../helpers/normalize.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
let definition: LocalDefinition;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-autohas-'));
  definition = localDefinition();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function autohasSpec(
  hpMode: 'sample' | 'mix' = 'sample',
  over: Partial<SearchSpec['autohas']> = {},
): SearchSpec {
  const base = tinySpec();
  return tinySpec({
    strategy: { ...base.strategy, name: 'autohas', learningRate: 0.1 },
    space: {
      ...base.space,
      hyperparameters: {
        ...base.space.hyperparameters,
        learningRate: { min: 1e-3, max: 0.05, bases: 3, scale: 'log' },
        weightDecay: { min: 1e-5, max: 1e-3, bases: 2, scale: 'log' },
      },
    },
    autohas: { steps: 6, stepsPerChunk: 2, topK: 2, hpMode, batchSize: 16, hpStep: 1, ...over },
  });
}

interface Results {
  status: string;
  stopReason?: string;
  strategy: string;
  candidatesEvaluated: number;
  paretoFront: { cid: string; metrics: Record<string, number>; candidate: { hyperparameters: object } }[];
  autohas: {
    supernet: SearchState['supernet'];
    topK: TopKRecord['topK'];
    hpMode: string;
    defaultHp?: TopKRecord['defaultHp'];
    comparison?: { autohas: { cid: string }; defaultHp: { cid: string; testAccuracy: number } | null };
    warnings: string[];
  };
}

async function run(store: FileStore, id: string) {
  const chunks: number[] = [];
  const exec = await runLocalExecution({ store }, id, {
    definition,
    onEvent: (e) => {
      if (e.type === 'StateExited' && e.state?.name === STATE.supernet) chunks.push(e.timestamp);
    },
  });
  return { exec, chunks: chunks.length };
}

describe('an autohas search', () => {
  let uninterrupted: Results;

  it('trains the supernet in chunks, then retrains and scores its top-k', async () => {
    const store = new FileStore(join(dir, 'a'));
    await createSearch(store, autohasSpec(), 'autohas-a');
    const { exec, chunks } = await run(store, 'autohas-a');
    expect(exec.output).toMatchObject({ status: 'succeeded' });
    expect(chunks).toBe(3);
    const r = await getJson<Results>(store, keys.results('autohas-a'));
    uninterrupted = r;
    expect(r.strategy).toBe('autohas');
    expect(r.autohas.supernet).toMatchObject({ step: 6, steps: 6, done: true });
    expect(r.autohas.supernet!.trainExamples).toBeGreaterThan(0);
    const acc = r.autohas.supernet!.valAccuracy!;
    expect(acc >= 0 && acc <= 1).toBe(true);
    expect(r.autohas.topK.map((t) => t.rank)).toEqual([1, 2]);
    for (const t of r.autohas.topK) expect(t.timesUniform).toBeGreaterThan(0);
    // The loop evaluated exactly the top-k, once, and the top candidate with the default hp.
    expect(r.candidatesEvaluated).toBe(3);
    const evals = await getJson<{ evaluations: { cid: string }[] }>(store, keys.evaluations('autohas-a', 1));
    const twin = r.autohas.defaultHp!;
    expect(twin.of).toBe(r.autohas.topK[0]!.cid);
    expect(twin.hp).toEqual({ learningRate: 0.01, weightDecay: 1e-4 });
    expect(evals.evaluations.map((e) => e.cid).sort()).toEqual(
      [...r.autohas.topK.map((t) => t.cid), twin.cid].sort(),
    );
    // AutoHAS's pick is reported beside the default-hp model.
    expect(r.autohas.comparison?.defaultHp?.cid).toBe(twin.cid);
    expect(Array.isArray(r.autohas.warnings)).toBe(true);
    expect(r.paretoFront.length).toBeGreaterThan(0);
    for (const p of r.paretoFront) expect(p.metrics.accuracy).toBeGreaterThan(0);
    const all = await listAll(store, keys.root('autohas-a'));
    expect(all).toContain(`${keys.supernet('autohas-a')}/checkpoint.json`);
    expect(all).toContain(keys.report('autohas-a'));
    const html = new TextDecoder().decode(await store.get(keys.report('autohas-a')));
    expect(html).toContain('One-shot supernet (AutoHAS)');
    expect(html).toContain('on validation batches with the shared weights');
    for (const t of r.autohas.topK) expect(html).toContain(t.cid);
    expect(html).toContain(twin.cid);
  }, 240_000);

  it('stops between chunks and resumes to the same results', async () => {
    const store = new FileStore(join(dir, 'b'));
    const id = 'autohas-b';
    await createSearch(store, autohasSpec(), id);
    // The first chunk raises the stop flag, as Ctrl-C or POST /stop would.
    const real = localHandlers({ store }).supernetChunk;
    let calls = 0;
    const stopped = await runLocalExecution({ store }, id, {
      definition,
      handlers: {
        supernetChunk: async (input) => {
          const out = await real(input);
          if (++calls === 1) await store.put(keys.stop(id), 'test\n');
          return out;
        },
      },
    });
    expect(stopped.output).toMatchObject({ status: 'stopped' });
    const mid = await getJson<SearchState>(store, keys.state(id));
    expect(mid.supernet).toMatchObject({ step: 2, done: false });
    expect(await store.tryGet(keys.policy(id, 0))).toBeUndefined();

    await store.delete(keys.stop(id));
    const { exec, chunks } = await run(store, id);
    expect(exec.output).toMatchObject({ status: 'succeeded' });
    expect(chunks).toBe(2);
    const r = await getJson<Results>(store, keys.results(id));
    expect(withoutRunSpecific(r)).toEqual(withoutRunSpecific(uninterrupted));
  }, 240_000);

  it('in mix mode retrains with the mixed hp values under their own ids', async () => {
    const store = new FileStore(join(dir, 'c'));
    await createSearch(store, autohasSpec('mix'), 'autohas-c');
    const { exec } = await run(store, 'autohas-c');
    expect(exec.output).toMatchObject({ status: 'succeeded' });
    const r = await getJson<Results>(store, keys.results('autohas-c'));
    const lrBases = [1e-3, Math.sqrt(1e-3 * 0.05), 0.05];
    for (const t of r.autohas.topK) {
      expect(t.cid).toMatch(/^[0-9a-f]{16}$/);
      // A softmax mix of the bases lies strictly inside their range.
      expect(t.hp.learningRate).toBeGreaterThan(lrBases[0]!);
      expect(t.hp.learningRate).toBeLessThan(lrBases[2]!);
    }
    const c = await getJson<{ hyperparameters: { learningRate: number } }>(
      store,
      keys.candidate('autohas-c', 1, r.autohas.topK[0]!.cid),
    );
    expect(c.hyperparameters.learningRate).toBe(r.autohas.topK[0]!.hp.learningRate);
  }, 240_000);

  it('fine-tunes the top-k from the supernet (sandwich rule, cosine bases), the twin from scratch', async () => {
    const store = new FileStore(join(dir, 'e'));
    const id = 'autohas-e';
    await createSearch(
      store,
      autohasSpec('sample', { final: 'finetune', sandwich: true, hpSchedule: 'cosine' }),
      id,
    );
    const { exec } = await run(store, id);
    expect(exec.output).toMatchObject({ status: 'succeeded' });
    const r = await getJson<Results & { autohas: { output?: { cid: string; source: string } } }>(
      store,
      keys.results(id),
    );
    const all = await listAll(store, keys.root(id));
    // Each top-k candidate's starting weights are stored; the default-hp twin has none.
    for (const t of r.autohas.topK) expect(all).toContain(`${keys.supernet(id)}/init/${t.cid}.json`);
    expect(all).not.toContain(`${keys.supernet(id)}/init/${r.autohas.defaultHp!.cid}.json`);
    const top = await getJson<TopKRecord>(store, keys.supernetTopK(id));
    expect(top.final).toBe('finetune');
    // The output is the pick or the twin, whichever validates better.
    expect([r.autohas.comparison?.autohas.cid, r.autohas.defaultHp!.cid]).toContain(r.autohas.output?.cid);
    const html = new TextDecoder().decode(await store.get(keys.report(id)));
    expect(html).toContain("fine-tuned from the supernet's weights");
    expect(html).toContain(`The search's output is <code>${r.autohas.output!.cid}</code>`);
  }, 240_000);

  it('fails on a corrupt checkpoint and leaves it as it was', async () => {
    const store = new FileStore(join(dir, 'd'));
    const id = 'autohas-d';
    await createSearch(store, autohasSpec(), id);
    const manifest = `${keys.supernet(id)}/checkpoint.json`;
    await store.put(manifest, '{"format":"something else"}\n');
    await expect(run(store, id)).rejects.toThrow(/not an AutoHAS checkpoint/);
    expect(new TextDecoder().decode(await store.get(manifest))).toBe('{"format":"something else"}\n');
  }, 120_000);
});
