// The API handler over API Gateway proxy events: every route and every error status.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { markFailed } from '../../../core/engine/fail.js';
import { keys } from '../../../core/engine/keys.js';
import type { SearchState } from '../../../core/engine/state.js';
import { FileStore } from '../../../core/store/file-store.js';
import { getJson, putJson } from '../../../core/store/json.js';
import { createApiHandler } from '../../../lambdas/lib/api.js';
import { SearchStatusResponse } from '../../../lambdas/lib/api-schemas.js';
import { ROUTES } from '../../../lambdas/lib/routes.js';

let dir: string;
let store: FileStore;
let started: string[] = [];
let handler: ReturnType<typeof createApiHandler>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-api-'));
  store = new FileStore(dir);
  handler = createApiHandler({
    store: () => store,
    starter: () => ({
      find: async (id) => (started.includes(id) ? `local:${id}` : undefined),
      start: async (id) => {
        started.push(id);
        return `local:${id}`;
      },
    }),
    now: () => Date.parse('2026-11-27T12:00:00Z'),
    datasetBuckets: ['team-datasets'],
    presign: async (key) => `https://signed.example/${key}?X-Amz-Signature=abc`,
    admins: [ADMIN],
    // The one dataset in the allowed bucket: the digits CSV.
    readBytes: async (uri) => {
      if (uri !== 's3://team-datasets/digits.csv') throw new Error(`NoSuchKey: ${uri}`);
      return new Uint8Array(await readFile('data/digits.csv.gz'));
    },
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  started = [];
});

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/Analyst/bob-session';
const ADMIN = 'arn:aws:iam::123456789012:role/ops/CosearchAdmin';

/** A proxy event as API Gateway sends it, signed by `caller` (alice unless said). */
function event(
  method: string,
  resource: string,
  opts: Partial<APIGatewayProxyEvent> = {},
  caller: string | null = ALICE,
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource,
    body: null,
    headers: {},
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: null,
    requestContext: caller ? { identity: { userArn: caller } } : {},
    ...opts,
  } as APIGatewayProxyEvent;
}

const body = (r: { body: string }) => JSON.parse(r.body);
const post = (b: string, headers: Record<string, string> = {}) =>
  handler(event('POST', '/searches', { body: b, headers }));
const withId = (method: string, resource: string, id: string) =>
  handler(event(method, resource, { pathParameters: { id } }));
const tiny = (seed: number, extra: object = {}) =>
  JSON.stringify({ strategy: { name: 'random', iterations: 2, batchSize: 2, seed }, ...extra });

describe('tenants', () => {
  const as = (
    caller: string | null,
    method: string,
    resource: string,
    opts: Partial<APIGatewayProxyEvent> = {},
  ) => handler(event(method, resource, opts, caller));
  const ids = async (caller: string) =>
    body(await as(caller, 'GET', '/searches', { queryStringParameters: { limit: '1000' } }))
      .searches as string[];

  it('records the caller on each search; others get 404 for it and never list it; an admin sees all', async () => {
    const mine = body(await as(ALICE, 'POST', '/searches', { body: tiny(41) })).searchId;
    const theirs = body(await as(BOB, 'POST', '/searches', { body: tiny(42) })).searchId;
    expect(await getJson(store, `searches/${mine}/owner.json`)).toMatchObject({ principal: ALICE });
    // An assumed-role session is recorded as its role: a new session still owns the search.
    expect(await getJson(store, `searches/${theirs}/owner.json`)).toMatchObject({
      principal: 'arn:aws:sts::123456789012:assumed-role/Analyst',
    });
    const bobAgain = 'arn:aws:sts::123456789012:assumed-role/Analyst/bob-next-login';
    expect((await as(bobAgain, 'GET', '/searches/{id}', { pathParameters: { id: theirs } })).statusCode).toBe(
      200,
    );

    for (const [method, resource] of [
      ['GET', '/searches/{id}'],
      ['GET', '/searches/{id}/results'],
      ['POST', '/searches/{id}/stop'],
    ] as const) {
      const r = await as(BOB, method, resource, { pathParameters: { id: mine } });
      expect([resource, r.statusCode, body(r).error]).toEqual([resource, 404, `no search ${mine}`]);
    }
    expect(await store.tryGet(`searches/${mine}/stop`)).toBeUndefined();
    expect(await ids(ALICE)).toContain(mine);
    expect(await ids(ALICE)).not.toContain(theirs);
    expect(await ids(BOB)).toEqual([theirs]);
    // The admin parameter names the role; its sessions are admins.
    const all = await ids('arn:aws:sts::123456789012:assumed-role/CosearchAdmin/admin-session');
    expect(all).toEqual(expect.arrayContaining([mine, theirs]));
    const status = await as(ADMIN, 'GET', '/searches/{id}', { pathParameters: { id: mine } });
    expect(body(status)).toMatchObject({ searchId: mine, owner: ALICE });
  });

  it('scopes Idempotency-Keys per caller', async () => {
    const headers = { 'Idempotency-Key': 'shared-key' };
    const a = body(await as(ALICE, 'POST', '/searches', { body: tiny(43), headers }));
    const b = body(await as(BOB, 'POST', '/searches', { body: tiny(43), headers }));
    expect(b.searchId).not.toBe(a.searchId);
    expect(b.idempotentReplay).toBeUndefined();
    // And another body under bob's key is no conflict with alice's.
    expect((await as(BOB, 'POST', '/searches', { body: tiny(44), headers })).statusCode).toBe(409);
    expect((await as(ALICE, 'POST', '/searches', { body: tiny(43), headers })).statusCode).toBe(202);
  });

  it('refuses a request that names no IAM caller', async () => {
    const r = await as(null, 'GET', '/searches');
    expect(r.statusCode).toBe(403);
    expect(body(r).error).toMatch(/no IAM caller/);
  });
});

describe('POST /searches', () => {
  it('accepts {} as the built-in example, starts one execution and returns the estimate', async () => {
    const r = await post('{}');
    expect(r.statusCode).toBe(202);
    const b = body(r);
    expect(b.searchId).toMatch(/^s20261127120000-[0-9a-f]{8}$/);
    expect(b.status).toBe('running');
    expect(b.estimatedUSD).toBeGreaterThan(0);
    expect(b.estimate.totalUSD).toBe(b.estimatedUSD);
    expect(b.links).toEqual({
      self: `/searches/${b.searchId}`,
      results: `/searches/${b.searchId}/results`,
      stop: `/searches/${b.searchId}/stop`,
    });
    expect(started).toEqual([b.searchId]);
    expect(await store.tryGet(keys.spec(b.searchId))).toBeDefined();
    expect(await store.tryGet(keys.searchIndex(b.searchId))).toBeDefined();
  });

  it('rejects an invalid spec with 400 naming the field, and starts nothing', async () => {
    const r = await post('{"strategy":{"batchSize":0}}');
    expect(r.statusCode).toBe(400);
    expect(body(r).issues[0].path).toBe('$.strategy.batchSize');
    expect(body(r).error).toContain('$.strategy.batchSize');
    expect(started).toEqual([]);
  });

  it('rejects a spec the engine cannot run as asked with 400 naming the field', async () => {
    const r = await post(
      '{"strategy":{"name":"autohas"},"space":{"hyperparameters":{"optimizer":["adam","sgd"]}}}',
    );
    expect(r.statusCode).toBe(400);
    expect(body(r).issues[0].path).toBe('$.space.hyperparameters.optimizer');
    const r2 = await post('{"strategy":{"name":"random"},"autohas":{"steps":10}}');
    expect(r2.statusCode).toBe(400);
    expect(body(r2).issues[0].path).toBe('$.autohas');
    expect(started).toEqual([]);
  });

  it('starts an autohas search', async () => {
    const r = await post('{"strategy":{"name":"autohas"},"autohas":{"steps":4,"stepsPerChunk":2}}');
    expect(r.statusCode).toBe(202);
    expect(started).toEqual([body(r).searchId]);
  });

  it('rejects non-JSON (400) and oversized (413) bodies, and starts nothing', async () => {
    const bad = await post('{nope');
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error).toMatch(/not valid JSON/);
    const big = await post(`{"name":"${'x'.repeat(1_100_000)}"}`);
    expect(big.statusCode).toBe(413);
    expect(body(big).error).toMatch(/larger than/);
    expect(started).toEqual([]);
  });

  it('Idempotency-Key: same key and body give the same search; another body is a 409', async () => {
    const a = await post(tiny(1), { 'Idempotency-Key': 'k-1' });
    // Header names are case-insensitive; whitespace in the body does not make it another body.
    const b = await post(tiny(1).replace(/,/g, ', '), { 'idempotency-key': 'k-1' });
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(body(b).searchId).toBe(body(a).searchId);
    expect(body(b).idempotentReplay).toBe(true);
    expect(started).toEqual([body(a).searchId]);
    const c = await post(tiny(2), { 'Idempotency-Key': 'k-1' });
    expect(c.statusCode).toBe(409);
    expect(body(c).error).toMatch(/Idempotency-Key.*different body/);
    expect(started).toHaveLength(1);
    const other = await post(tiny(2), { 'Idempotency-Key': 'k-2' });
    expect(body(other).searchId).not.toBe(body(a).searchId);
  });

  it('rejects a malformed Idempotency-Key with 400', async () => {
    const r = await post('{}', { 'Idempotency-Key': 'x'.repeat(300) });
    expect(r.statusCode).toBe(400);
    expect(body(r).error).toMatch(/Idempotency-Key/);
    expect(started).toEqual([]);
  });

  it('accepts s3:// datasets only from allowed buckets; rejects file:// in the cloud', async () => {
    const ds = (uri: string) => ({ dataset: { uri, format: 'csv', shape: [8, 8, 1], numClasses: 10 } });
    const denied = await post(tiny(3, ds('s3://someone-else/data.csv')));
    expect(denied.statusCode).toBe(403);
    expect(body(denied).error).toMatch(/dataset bucket "someone-else" is not allowed/);
    expect(body(denied).issues[0].path).toBe('$.dataset.uri');
    const file = await post(tiny(3, ds('file:///etc/data.csv')));
    expect(file.statusCode).toBe(400);
    expect(body(file).error).toMatch(/file:\/\/ datasets cannot be read/);
    expect(started).toEqual([]);
    const ok = await post(tiny(3, ds('s3://team-datasets/digits.csv')));
    expect(ok.statusCode).toBe(202);
    // A dataset that cannot be read stops the search before it exists: 400 naming the file.
    const missing = await post(tiny(3, ds('s3://team-datasets/missing.csv')));
    expect(missing.statusCode).toBe(400);
    expect(body(missing).error).toMatch(/bad dataset: .*s3:\/\/team-datasets\/missing\.csv/);
  });
});

describe('GET /searches', () => {
  it('pages with {searches, nextToken}', async () => {
    const ids = new Set<string>();
    let token: string | null = null;
    let pages = 0;
    do {
      const r = await handler(
        event('GET', '/searches', {
          queryStringParameters: { limit: '2', ...(token ? { nextToken: token } : {}) },
        }),
      );
      expect(r.statusCode).toBe(200);
      const b = body(r);
      expect(b.searches.length).toBeLessThanOrEqual(2);
      for (const s of b.searches) ids.add(s);
      token = b.nextToken;
      pages++;
    } while (token && pages < 20);
    expect(token).toBeNull();
    expect(ids.size).toBeGreaterThanOrEqual(4);
    expect(pages).toBeGreaterThanOrEqual(2);
    const all = body(await handler(event('GET', '/searches')));
    expect([...all.searches].sort()).toEqual([...ids].sort());
  });

  it('rejects a bad limit or an unknown query parameter with 400', async () => {
    for (const q of [{ limit: '0' }, { limit: 'many' }, { limit: '5000' }, { page: '2' }]) {
      const r = await handler(event('GET', '/searches', { queryStringParameters: q }));
      expect(r.statusCode).toBe(400);
      expect(body(r).error).toMatch(/invalid query/);
    }
  });
});

describe('GET /searches/{id}', () => {
  it('shows status, progress counters and cost so far', async () => {
    const id = body(await post(tiny(4))).searchId;
    const r = await withId('GET', '/searches/{id}', id);
    expect(r.statusCode).toBe(200);
    const b = body(r);
    expect(b).toMatchObject({
      searchId: id,
      status: 'created',
      iteration: 0,
      candidatesEvaluated: 0,
      failed: 0,
    });
    expect(b).toHaveProperty('cached');
    expect(b).toHaveProperty('bestReward');
    expect(b.costSoFarUSD).toBeGreaterThanOrEqual(0);
    expect(b.costSoFarUSD).toBeLessThan(b.estimatedUSD);
    expect(b.stopRequested).toBe(false);
  });

  it('shows a failed search with its cause, and refuses to stop it', async () => {
    const id = body(await post(tiny(31))).searchId;
    const policy = keys.policy(id, 0);
    await markFailed(
      { store, now: () => Date.parse('2026-11-27T12:05:00Z') },
      {
        searchId: id,
        error: 'CorruptObjectError',
        cause: `corrupt object: ${policy} in ${store.uri}: it is empty`,
      },
    );
    const r = await withId('GET', '/searches/{id}', id);
    expect(r.statusCode).toBe(200);
    expect(body(r)).toMatchObject({
      status: 'failed',
      failure: { error: 'CorruptObjectError', key: policy, at: '2026-11-27T12:05:00.000Z' },
    });
    expect(SearchStatusResponse.safeParse(body(r)).success).toBe(true);
    const stop = await withId('POST', '/searches/{id}/stop', id);
    expect(stop.statusCode).toBe(409);
    expect(body(stop).error).toMatch(/already finished \(status failed\)/);
  });

  it('answers 404 for an unknown search and 400 for an id with path characters', async () => {
    const unknown = await withId('GET', '/searches/{id}', 'no-such-search');
    expect(unknown.statusCode).toBe(404);
    expect(body(unknown).error).toMatch(/no search no-such-search/);
    for (const id of ['../../etc', 'a/b', 'UPPER', '']) {
      const bad = await withId('GET', '/searches/{id}', id);
      expect(bad.statusCode).toBe(400);
      expect(body(bad).error).toMatch(/invalid search id/);
    }
  });
});

describe('GET /searches/{id}/results', () => {
  it('is a 409 before results exist; then the front with presigned links and estimate vs actual', async () => {
    const id = body(await post(tiny(5))).searchId;
    const early = await withId('GET', '/searches/{id}/results', id);
    expect(early.statusCode).toBe(409);
    expect(body(early).error).toMatch(/no results yet/);

    const cid = '0123456789abcdef';
    const modelPrefix = keys.model(id, cid);
    await store.put(`${modelPrefix}model.json`, '{}');
    await store.put(`${modelPrefix}weights.bin`, 'w');
    await putJson(store, keys.evaluations(id, 1), {
      iteration: 1,
      evaluations: [{ cid, iteration: 1, status: 'ok', cached: false, training: { trainSeconds: 12 } }],
    });
    const state = await getJson<SearchState>(store, keys.state(id));
    await putJson(store, keys.state(id), {
      ...state,
      status: 'succeeded',
      iteration: 1,
      candidatesEvaluated: 1,
      trained: 1,
      trainSeconds: 12,
    });
    await putJson(store, keys.results(id), {
      searchId: id,
      status: 'succeeded',
      paretoFront: [{ cid, iteration: 1, modelPrefix, metrics: { accuracy: 0.9 } }],
    });
    const r = await withId('GET', '/searches/{id}/results', id);
    expect(r.statusCode).toBe(200);
    const b = body(r);
    const links = b.paretoFront[0].links;
    expect(Object.keys(links.model).sort()).toEqual(['model.json', 'weights.bin']);
    expect(links.model['model.json']).toBe(
      `https://signed.example/${modelPrefix}model.json?X-Amz-Signature=abc`,
    );
    expect(links.acceleratorConfig).toContain(keys.candidate(id, 1, cid));
    expect(links.acceleratorMetrics).toContain(keys.accelerator(id, 1, cid));
    expect(b.cost.estimatedUSD).toBeGreaterThan(0);
    expect(b.cost.actual.trainSeconds).toBe(12);
    expect(b.cost.actualUSD).toBeGreaterThan(0);
    expect(b.linksExpireSeconds).toBe(3600);
  });

  it('answers 404 and 400 like the status route', async () => {
    expect((await withId('GET', '/searches/{id}/results', 'nope-nope')).statusCode).toBe(404);
    expect((await withId('GET', '/searches/{id}/results', '..')).statusCode).toBe(400);
  });
});

describe('POST /searches/{id}/stop', () => {
  it('writes the stop flag for a running search; stopping a finished one is a 409', async () => {
    const id = body(await post(tiny(6))).searchId;
    const r = await withId('POST', '/searches/{id}/stop', id);
    expect(r.statusCode).toBe(202);
    expect(body(r)).toMatchObject({ searchId: id, status: 'stopping' });
    expect(await store.tryGet(keys.stop(id))).toBeDefined();
    expect(body(await withId('GET', '/searches/{id}', id)).stopRequested).toBe(true);

    const state = await getJson<SearchState>(store, keys.state(id));
    await putJson(store, keys.state(id), { ...state, status: 'stopped', stopReason: 'stop-flag' });
    const again = await withId('POST', '/searches/{id}/stop', id);
    expect(again.statusCode).toBe(409);
    expect(body(again).error).toMatch(/already finished \(status stopped\)/);
  });

  it('?force=true is the hard fallback: StopExecution now, status stopped without results', async () => {
    const forced: string[] = [];
    const hard = createApiHandler({
      store: () => store,
      starter: () => ({
        start: async (id) => id,
        forceStop: async (id) => {
          forced.push(id);
          return 2;
        },
      }),
    });
    const id = body(await post(tiny(8))).searchId;
    const stop = (h: typeof handler, force: string) =>
      h(event('POST', '/searches/{id}/stop', { pathParameters: { id }, queryStringParameters: { force } }));
    // Not every deployment can stop executions (the default handler here cannot): a 400 saying so.
    const unsupported = await stop(handler, 'true');
    expect(unsupported.statusCode).toBe(400);
    expect(body(unsupported).error).toMatch(/force stop is not available/);
    expect(await store.tryGet(keys.stop(id))).toBeUndefined();
    const bad = await stop(hard, 'yes');
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error).toMatch(/invalid query: \$\.force/);
    expect(forced).toEqual([]);
    const r = await stop(hard, 'true');
    expect(r.statusCode).toBe(202);
    expect(body(r)).toMatchObject({ searchId: id, status: 'stopped', executionsStopped: 2 });
    expect(forced).toEqual([id]);
    expect(await getJson<SearchState>(store, keys.state(id))).toMatchObject({
      status: 'stopped',
      stopReason: 'force-stopped',
    });
    expect((await stop(hard, 'true')).statusCode).toBe(409);
  });

  it('answers 404 for an unknown search and 400 for a bad id', async () => {
    expect((await withId('POST', '/searches/{id}/stop', 'nope-nope')).statusCode).toBe(404);
    expect((await withId('POST', '/searches/{id}/stop', 'a/../b')).statusCode).toBe(400);
  });
});

it('answers 404 for an unknown resource and 405 with Allow for an unknown method, as JSON', async () => {
  const r = await handler(event('GET', '/nowhere'));
  expect(r.statusCode).toBe(404);
  expect(r.headers?.['content-type']).toBe('application/json');
  expect(body(r).error).toMatch(/no route GET \/nowhere/);
  const d = await handler(event('DELETE', '/searches'));
  expect(d.statusCode).toBe(405);
  expect(d.headers?.allow).toBe('POST, GET');
  expect(body(d).error).toMatch(/DELETE is not allowed on \/searches/);
});

describe('OpenAPI document', () => {
  it('docs/openapi.json is generated from the zod schemas and up to date', async () => {
    const { readFile } = await import('node:fs/promises');
    const { openApiText } = await import('../../../lambdas/lib/openapi.js');
    const onDisk = await readFile(new URL('../../../docs/openapi.json', import.meta.url), 'utf8');
    // Regenerate with: npx tsx lambdas/lib/openapi.ts docs/openapi.json
    expect(onDisk).toBe(openApiText());
    const doc = JSON.parse(onDisk);
    const text = JSON.stringify(doc);
    for (const [, id] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components.schemas).toHaveProperty(id!);
    // One operation per row of the route table, and nothing else.
    const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod as Record<string, { operationId: string }>).map(
        ([m, op]) => `${op.operationId} ${m.toUpperCase()} ${path}`,
      ),
    );
    expect(ops.sort()).toEqual(ROUTES.map((r) => `${r.id} ${r.method} ${r.resource}`).sort());
    expect(doc.paths['/searches'].post.responses).toHaveProperty('409');
    expect(doc.paths['/searches/{id}/stop'].post.responses).toHaveProperty('409');
  });

  it('responses match their documented schemas', async () => {
    const s = await import('../../../lambdas/lib/api-schemas.js');
    const created = body(await post(tiny(7)));
    expect(s.CreateSearchResponse.safeParse(created).success).toBe(true);
    expect(s.SearchListResponse.safeParse(body(await handler(event('GET', '/searches')))).success).toBe(true);
    const status = body(await withId('GET', '/searches/{id}', created.searchId));
    expect(s.SearchStatusResponse.safeParse(status).success).toBe(true);
    const stop = body(await withId('POST', '/searches/{id}/stop', created.searchId));
    expect(s.StopResponse.safeParse(stop).success).toBe(true);
    expect(s.ErrorResponse.safeParse(body(await post('{nope'))).success).toBe(true);
    // And a schema check can fail.
    expect(s.CreateSearchResponse.safeParse({ ...created, estimatedUSD: 'lots' }).success).toBe(false);
  });
});
