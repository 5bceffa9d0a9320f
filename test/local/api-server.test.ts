// cosearch serve, driven over real HTTP on loopback.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/store/file-store.js';
import { MAX_BODY_BYTES, type RunningServer, serve } from '../../local/api-server.js';
import { loopDefinitionBuilt } from '../../local/runner.js';
import { tinySpec } from '../helpers/tiny-spec.js';

let dir: string;
let server: RunningServer;

let builtBefore: boolean;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-serve-'));
  builtBefore = loopDefinitionBuilt();
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

/** One request over node:http on a given agent (fetch hides the connection). */
function raw(
  agent: Agent,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(`${server.url}${path}`, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      });
      // The server may answer and close before the whole body is sent: that is the point.
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? undefined : reject(e)));
      req.end(body);
    },
  );
}

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
  it('synthesizes the loop before listening: no request waits behind the synth when a search starts', () => {
    expect(builtBefore).toBe(false);
    expect(loopDefinitionBuilt()).toBe(true);
  });

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

  it("searches running at once share the server's workers: memory follows --workers, not the searches", async () => {
    const specs = [11, 12].map((seed) =>
      tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed } }),
    );
    const ran = await Promise.all(specs.map(runPosted));
    for (const { results } of ran) expect(results.json.trained).toBe(2);
    // One pool of the server's one worker trained all four children (a pool per search had two).
    expect(server.pool?.size).toBe(1);
    expect(server.pool?.peakWorkers).toBe(1);
  }, 120_000);

  it('runs an autohas search posted over HTTP: supernet on the worker pool, then its top-k', async () => {
    const base = tinySpec();
    const spec = {
      ...base,
      strategy: { ...base.strategy, name: 'autohas' },
      autohas: { steps: 4, stepsPerChunk: 2, topK: 2 },
    };
    const { status, results } = await runPosted(spec);
    expect(status.json.supernet).toMatchObject({ step: 4, steps: 4, done: true });
    expect(results.json.candidatesEvaluated).toBe(3); // the top 2 and the default-hp twin of the first
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

  it('after a 413 the connection is closed cleanly: the next request on the same agent succeeds', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = await raw(agent, 'POST', '/searches', 'x'.repeat(MAX_BODY_BYTES + 1));
      expect(big.status).toBe(413);
      expect(big.headers.connection).toBe('close');
      expect(JSON.parse(big.body).error).toMatch(/body larger than/);
      const next = await raw(agent, 'GET', '/searches');
      expect(next.status).toBe(200);
      // A declared length over the limit is refused before a byte of the body is read.
      const declared = await raw(agent, 'POST', '/searches', '{}', {
        'content-length': String(MAX_BODY_BYTES + 1),
      });
      expect(declared.status).toBe(413);
      expect((await raw(agent, 'GET', '/searches')).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe('cosearch serve: admission and logs', () => {
  it('admits at most maxSearches running searches and answers the rest 429 with Retry-After, storing nothing', async () => {
    const d = await mkdtemp(join(tmpdir(), 'cosearch-serve-admit-'));
    const lines: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const s = await serve({
      store: new FileStore(d),
      port: 0,
      workers: 0,
      maxSearches: 2,
      log: (l) => lines.push(l),
      // Searches that hold their slot until released, so the test controls when they end.
      runSearch: async () => {
        await gate;
      },
    });
    try {
      const post = (seed: number) =>
        fetch(`${s.url}/searches`, {
          method: 'POST',
          body: JSON.stringify(tinySpec({ strategy: { name: 'random', iterations: 1, batchSize: 1, seed } })),
        });
      const answers = await Promise.all([1, 2, 3, 4].map(post));
      const codes = answers.map((r) => r.status).sort();
      expect(codes).toEqual([202, 202, 429, 429]);
      const refused = answers.find((r) => r.status === 429)!;
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect(((await refused.json()) as { error: string }).error).toMatch(/2 searches are running/);
      // Refused searches were never created.
      const list = (await (await fetch(`${s.url}/searches`)).json()) as { searches: string[] };
      expect(list.searches).toHaveLength(2);
      // Reads are never refused while searches run.
      expect((await fetch(`${s.url}/searches/${list.searches[0]}`)).status).toBe(200);
      release();
      await Promise.all(s.executions.values());
      expect((await post(9)).status).toBe(202);
      // One line per request: method, path, status, milliseconds.
      const requests = lines.filter((l) => /^(GET|POST) /.test(l));
      expect(requests).toHaveLength(7);
      expect(requests.filter((l) => / 429 /.test(l))).toHaveLength(2);
      for (const l of requests) expect(l).toMatch(/^(GET|POST) \/searches\S* \d{3} \d+ ms$/);
    } finally {
      release();
      await s.close();
      await rm(d, { recursive: true, force: true });
    }
  });
});
