// cosearch serve, driven over real HTTP on loopback.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/store/file-store.js';
import { type RunningServer, serve } from '../../local/api-server.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-serve-'));
  server = await serve({ store: new FileStore(dir), port: 0, workers: 1 });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: string) => {
  const r = await fetch(`${server.url}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  return {
    status: r.status,
    type: r.headers.get('content-type'),
    json: (await r.json()) as Record<string, unknown>,
  };
};

/** POST a spec, wait for its local execution, and GET its status and results. */
async function runPosted(spec: unknown) {
  const post = await call('POST', '/searches', JSON.stringify(spec));
  expect(post.status).toBe(202);
  const id = post.json.searchId as string;
  await server.executions.get(id);
  const status = await call('GET', `/searches/${id}`);
  expect(status.json.status).toBe('succeeded');
  return { id, status, results: await call('GET', `/searches/${id}/results`) };
}

describe('cosearch serve', () => {
  it('runs a search posted over HTTP and serves its results', async () => {
    const spec = tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 5 } });
    const { id, results } = await runPosted(spec);
    expect(results.status).toBe(200);
    expect(results.json.candidatesEvaluated).toBe(2);
    // Trained on the worker pool: a worker that cannot load the trainer fails every child.
    expect(results.json.trained).toBe(2);
    const list = await call('GET', '/searches');
    expect(list.json.searches).toContain(id);
  });

  it('runs an autohas search posted over HTTP: supernet on the worker pool, then its top-k', async () => {
    const base = tinySpec();
    const spec = {
      ...base,
      strategy: { ...base.strategy, name: 'autohas' },
      autohas: { steps: 4, stepsPerChunk: 2, topK: 2 },
    };
    const { status, results } = await runPosted(spec);
    expect(status.json.supernet).toMatchObject({ step: 4, steps: 4, done: true });
    expect(results.json.candidatesEvaluated).toBe(2);
    expect((results.json.autohas as { topK: unknown[] }).topK).toHaveLength(2);
  }, 120_000);

  it('answers every error with a 4xx JSON body', async () => {
    for (const [method, path, body, code] of [
      ['POST', '/searches', '{"strategy":{"batchSize":0}}', 400],
      ['POST', '/searches', '{not json', 400],
      ['GET', '/searches/no-such-search', undefined, 404],
      ['GET', '/searches/bad%2F..%2Fid', undefined, 400],
      ['GET', '/nowhere', undefined, 404],
      ['POST', '/searches', 'x'.repeat(10 * 1024 * 1024 + 1), 413],
    ] as const) {
      const r = await call(method, path, body);
      expect([method, path, r.status]).toEqual([method, path, code]);
      expect(r.type).toBe('application/json');
      expect(typeof r.json.error).toBe('string');
    }
  });

  it('answers 405 with Allow for a method a known route does not have', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/searches/abc', 'GET'],
      ['PUT', '/searches', 'POST, GET'],
      ['GET', '/searches/abc/stop', 'POST'],
    ] as const) {
      const r = await fetch(`${server.url}${path}`, { method });
      expect([method, path, r.status, r.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(((await r.json()) as { error: string }).error).toContain(`${method} is not allowed`);
    }
  });
});
