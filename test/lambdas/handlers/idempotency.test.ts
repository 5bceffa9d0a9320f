// A retried Lambda must leave the store as one invocation does: every write is keyed by
// iteration and candidate, and immutable objects are put-if-absent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSearch } from '../../../core/engine/create.js';
import { FileStore } from '../../../core/store/file-store.js';
import { snapshot } from '../../helpers/snapshot.js';
import { tinySpec } from '../../helpers/tiny-spec.js';

let dir: string;
const ctx = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-idem-'));
  process.env.COSEARCH_STORE = `file://${dir}`;
});
afterAll(async () => {
  delete process.env.COSEARCH_STORE;
  await rm(dir, { recursive: true, force: true });
});

/** Store contents without the wall-clock progress field, the one thing a retry may change. */
async function contents() {
  const snap = await snapshot(dir);
  for (const [k, v] of Object.entries(snap))
    if (k.endsWith('state.json')) snap[k] = v.replace(/"updatedAt": "[^"]*"/, '');
  return snap;
}

it('every step handler run twice for the same input leaves the same objects', async () => {
  const h = {
    init: (await import('../../../lambdas/handlers/init.js')).handler,
    sample: (await import('../../../lambdas/handlers/sample-candidates.js')).handler,
    simulate: (await import('../../../lambdas/handlers/simulate-accelerator.js')).handler,
    train: (await import('../../../lambdas/handlers/train-child.js')).handler,
    update: (await import('../../../lambdas/handlers/update-policy.js')).handler,
    finalize: (await import('../../../lambdas/handlers/finalize.js')).handler,
  };
  await createSearch(
    new FileStore(dir),
    tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 2 } }),
    'idem',
  );
  const twice = async <E, R>(fn: (e: E, c: Context) => Promise<R>, event: E): Promise<R> => {
    const first = await fn(event, ctx);
    const before = await contents();
    const second = await fn(event, ctx);
    expect(second).toEqual(first);
    expect(await contents()).toEqual(before);
    return first;
  };
  const loop = await twice(h.init, { searchId: 'idem' });
  expect(loop).toEqual({ searchId: 'idem', iteration: 1, done: false });
  const sampled = await twice(h.sample, { searchId: 'idem', iteration: 1 });
  const children = [];
  for (const cid of sampled.candidates) {
    const sim = await twice(h.simulate, { searchId: 'idem', iteration: 1, cid });
    children.push(
      sim.feasible
        ? await twice(h.train, { searchId: 'idem', iteration: 1, cid })
        : { cid, status: 'infeasible' },
    );
  }
  const next = await twice(h.update, { searchId: 'idem', iteration: 1, children });
  expect(next).toEqual({ searchId: 'idem', iteration: 2, done: true });
  await twice(h.finalize, { searchId: 'idem' });
});

it('rejects a malformed event with a message naming the field', async () => {
  const { handler } = await import('../../../lambdas/handlers/sample-candidates.js');
  await expect(handler({ searchId: 'idem', iteration: 0 } as never, ctx)).rejects.toThrow(/\$\.iteration/);
  await expect(handler({ searchId: '../etc', iteration: 1 } as never, ctx)).rejects.toThrow(/\$\.searchId/);
});
