// Fault isolation: about 30% of children crash, produce a NaN loss, or hang past the guard.
// The search still finishes, records each failure with its reason, and the policy equals
// observe() applied to the survivors alone, bit for bit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import type { Evaluation } from '../../core/engine/evaluation.js';
import { keys } from '../../core/engine/keys.js';
import { type PolicySnapshot, type ProposalRecord, specHashOf } from '../../core/engine/state.js';
import { childSeed } from '../../core/engine/train.js';
import { SpecBoundStrategy } from '../../core/search/index.js';
import { SearchSpace } from '../../core/space/encoding.js';
import type { Candidate } from '../../core/space/types.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson, putJson } from '../../core/store/json.js';
import { trainChild } from '../../core/training/train.js';
import { localDefinition } from '../../local/definition.js';
import { localHandlers } from '../../local/runner.js';
import { type Progress, runSession } from '../../local/session.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-faults-'));
  localDefinition();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Fault = 'crash' | 'nan' | 'hang' | undefined;
/** About 30% of candidate ids get a fault, spread over the three kinds. */
const faultOf = (cid: string): Fault => {
  const x = Number.parseInt(cid.slice(0, 4), 16) % 10;
  return x === 0 ? 'crash' : x === 1 ? 'nan' : x === 2 ? 'hang' : undefined;
};

it('a search with failing children finishes, records why, and learns from survivors only', async () => {
  const store = new FileStore(dir);
  const spec = tinySpec({
    strategy: { name: 'reinforce', iterations: 3, batchSize: 5, seed: 21 },
    training: { steps: 4, batchSize: 16, maxSeconds: 8 },
  });
  await createSearch(store, spec, 'faults');
  const ctx = { store };
  const real = localHandlers(ctx).trainChild;
  const injected = new Map<string, Fault>();
  const trainChildFaulty = async (input: Parameters<typeof real>[0]) => {
    const { searchId, iteration, cid } = input as { searchId: string; iteration: number; cid: string };
    const fault = faultOf(cid);
    if (fault) injected.set(cid, fault);
    if (fault === 'crash') throw new Error('injected crash');
    if (fault === 'hang') return new Promise<never>(() => undefined);
    if (fault === 'nan') {
      // A real NaN: the real trainer with a learning rate no spec allows.
      const cand = await getJson<Candidate>(store, keys.candidate(searchId, iteration, cid));
      const r = await trainChild({
        arch: cand.network,
        hyperparameters: { ...cand.hyperparameters, learningRate: 1e30 },
        dataset: spec.dataset,
        training: spec.training,
        seed: childSeed(spec, cid),
      });
      await putJson(store, keys.training(searchId, iteration, cid), { cid, ...r });
      return { cid, status: r.status };
    }
    return real(input);
  };
  let last: Progress | undefined;
  const run = await runSession(store, 'faults', {
    workers: 0,
    hangGraceSeconds: 1,
    handlers: { trainChild: trainChildFaulty as never },
    onProgress: (p) => {
      last = p;
    },
  });
  expect(run.status).toBe('succeeded');

  const evs: Evaluation[] = [];
  for (let k = 1; k <= 3; k++)
    evs.push(
      ...(await getJson<{ evaluations: Evaluation[] }>(store, keys.evaluations('faults', k))).evaluations,
    );
  const failed = evs.filter((e) => e.status === 'failed');
  expect(new Set(injected.values())).toEqual(new Set(['crash', 'nan', 'hang']));
  expect(failed.map((e) => e.cid).sort()).toEqual(
    evs
      .filter((e) => injected.has(e.cid))
      .map((e) => e.cid)
      .sort(),
  );
  for (const e of failed) {
    const reason = e.reason ?? '';
    const kind = injected.get(e.cid);
    if (kind === 'crash') expect(reason).toMatch(/injected crash|Error/);
    if (kind === 'nan') expect(reason).toMatch(/NaN|finite/i);
    if (kind === 'hang') expect(reason).toMatch(/Timeout|hung/);
  }
  const results = await getJson<{ failed: { cid: string; reason: string }[] }>(store, keys.results('faults'));
  expect(results.failed.length).toBe(new Set(failed.map((e) => e.cid)).size);
  // Progress counts every child once, a caught failure included.
  expect(last?.childrenDone).toBe(evs.length);
  expect(last?.failed).toBe(failed.length);

  // Replay: observe() over the survivors' rewards reproduces every stored policy exactly.
  const space = new SearchSpace(spec);
  const controller = new SpecBoundStrategy(spec.strategy, space.cardinalities, specHashOf(spec), {
    groups: space.decisions.map((d) => d.group),
  });
  for (let k = 1; k <= 3; k++) {
    const proposal = await getJson<ProposalRecord>(store, keys.proposal('faults', k));
    const byCid = new Map(evs.filter((e) => e.iteration === k).map((e) => [e.cid, e]));
    const survivors = proposal.cids.map((cid, i) => ({
      tokens: proposal.tokens[i]!,
      reward: injected.has(cid) ? null : byCid.get(cid)!.reward,
    }));
    const expected = controller.observe(proposal.state, survivors);
    const stored = await getJson<PolicySnapshot>(store, keys.policy('faults', k));
    expect(JSON.stringify(stored.strategy)).toBe(JSON.stringify(expected));
  }
});
