// Every file in events/ is a realistic event for its Lambda: invoking the handler with it
// in-process works against the SAM example search (the same events `sam local invoke` takes).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { FileStore } from '../../core/store/file-store.js';
import { putJson } from '../../core/store/json.js';
import { HANDLERS } from '../../infra/handlers.js';
import { createApiHandler } from '../../lambdas/lib/api.js';
import { principalOf, tenantKeys } from '../../lambdas/lib/tenancy.js';
import { SAM_AUTOHAS_ID, SAM_SEARCH_ID, samAutohasSpec, samSpec } from '../../scripts/sam-spec.js';

let dir: string;
const ctx = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const event = async (name: string) => JSON.parse(await readFile(`events/${name}.json`, 'utf8'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-events-'));
  process.env.COSEARCH_STORE = `file://${dir}`;
  await createSearch(new FileStore(dir), samSpec(), SAM_SEARCH_ID);
  await createSearch(new FileStore(dir), samAutohasSpec(), SAM_AUTOHAS_ID);
  // The API events are signed by the researcher who started the example search through the API.
  const researcher = (await event('api-get-search')).requestContext.identity.userArn as string;
  await putJson(new FileStore(dir), tenantKeys.owner(SAM_SEARCH_ID), {
    searchId: SAM_SEARCH_ID,
    principal: principalOf(researcher),
    createdAt: '2026-01-01T00:00:00.000Z',
  });
});
afterAll(async () => {
  delete process.env.COSEARCH_STORE;
  await rm(dir, { recursive: true, force: true });
});

it('has one event file per Lambda', async () => {
  const files = (await readdir('events')).filter((f) => f.endsWith('.json'));
  for (const entry of Object.values(HANDLERS)) {
    const base = entry.split('/').pop()!.replace('.ts', '');
    expect(files.some((f) => f === `${base}.json` || f.startsWith(`${base}-`))).toBe(true);
  }
});

it('runs each step handler with its event, in loop order', async () => {
  type StepOut = { candidates: string[]; feasible: boolean; status: string };
  const handlers: Record<string, (e: unknown, c: Context) => Promise<StepOut>> = {
    init: (await import('../../lambdas/handlers/init.js')).handler as never,
    'sample-candidates': (await import('../../lambdas/handlers/sample-candidates.js')).handler as never,
    'simulate-accelerator': (await import('../../lambdas/handlers/simulate-accelerator.js')).handler as never,
    'train-child': (await import('../../lambdas/handlers/train-child.js')).handler as never,
    'update-policy': (await import('../../lambdas/handlers/update-policy.js')).handler as never,
    finalize: (await import('../../lambdas/handlers/finalize.js')).handler as never,
  };
  const load = async (file: string) => handlers[file]!;
  expect(await (await load('init'))(await event('init'), ctx)).toEqual({
    searchId: SAM_SEARCH_ID,
    iteration: 1,
    done: false,
  });
  const sampled = await (await load('sample-candidates'))(await event('sample-candidates'), ctx);
  const sim = await event('simulate-accelerator');
  expect(sampled.candidates).toContain(sim.cid);
  const update = await event('update-policy');
  for (const child of update.children) {
    const e = { ...sim, cid: child.cid };
    const s = await (await load('simulate-accelerator'))(e, ctx);
    expect(s.feasible).toBe(true);
    expect(await (await load('train-child'))(e, ctx)).toEqual({
      searchId: e.searchId,
      iteration: e.iteration,
      cid: child.cid,
      status: 'ok',
      done: true,
    });
  }
  expect(await (await load('update-policy'))(update, ctx)).toEqual({
    searchId: SAM_SEARCH_ID,
    iteration: 2,
    done: true,
  });
  const fin = await (await load('finalize'))(await event('finalize'), ctx);
  expect(fin.status).toBe('succeeded');
});

it('runs the supernet chunks of the AutoHAS example with its event', async () => {
  const { handler } = await import('../../lambdas/handlers/supernet-chunk.js');
  const e = await event('supernet-chunk');
  expect(e).toEqual({ searchId: SAM_AUTOHAS_ID });
  const run = handler as unknown as (e: unknown, c: Context) => Promise<unknown>;
  expect(await run(e, ctx)).toEqual({ searchId: SAM_AUTOHAS_ID, iteration: 1, done: false, supernet: true });
  expect(await run(e, ctx)).toEqual({ searchId: SAM_AUTOHAS_ID, iteration: 1, done: false, supernet: false });
});

it('takes MarkFailed its event; a search that has finished stays finished', async () => {
  const { handler } = await import('../../lambdas/handlers/mark-failed.js');
  const run = handler as unknown as (e: unknown, c: Context) => Promise<unknown>;
  // The example search ran to its end above: a late failure report does not undo that.
  expect(await run(await event('mark-failed'), ctx)).toEqual({
    searchId: SAM_SEARCH_ID,
    status: 'succeeded',
  });
});

it('serves the API events', async () => {
  const { handler } = await import('../../lambdas/handlers/api.js');
  const got = await handler(await event('api-get-search'), ctx);
  expect(got.statusCode).toBe(200);
  expect(JSON.parse(got.body).searchId).toBe(SAM_SEARCH_ID);
  // POST needs a state machine: the same handler logic with a local starter.
  const started: string[] = [];
  const api = createApiHandler({
    store: () => new FileStore(dir),
    starter: () => ({
      start: async (id) => {
        started.push(id);
        return id;
      },
    }),
  });
  const post = await api(await event('api-post-searches'));
  expect(post.statusCode).toBe(202);
  expect(started).toHaveLength(1);
});
