// The API handler over API Gateway proxy events: every route and every error status.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../core/engine/keys.js';
import { FileStore } from '../../../core/store/file-store.js';
import { putJson } from '../../../core/store/json.js';
import { createApiHandler } from '../../../lambdas/lib/api.js';

let dir: string;
let store: FileStore;
const started: string[] = [];
let handler: ReturnType<typeof createApiHandler>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-api-'));
  store = new FileStore(dir);
  handler = createApiHandler({
    store: () => store,
    starter: () => ({
      start: async (id) => {
        started.push(id);
        return `local:${id}`;
      },
    }),
    now: () => Date.parse('2026-11-27T12:00:00Z'),
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function event(
  method: string,
  resource: string,
  opts: Partial<APIGatewayProxyEvent> = {},
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
    ...opts,
  } as APIGatewayProxyEvent;
}

const body = (r: { body: string }) => JSON.parse(r.body);

describe('POST /searches', () => {
  it('accepts {} as the built-in example and starts one execution', async () => {
    const r = await handler(event('POST', '/searches', { body: '{}' }));
    expect(r.statusCode).toBe(202);
    const b = body(r);
    expect(b.searchId).toMatch(/^s20261127120000-[0-9a-f]{8}$/);
    expect(b.links.self).toBe(`/searches/${b.searchId}`);
    expect(started).toEqual([b.searchId]);
    expect(await store.tryGet(keys.spec(b.searchId))).toBeDefined();
  });

  it('rejects an invalid spec with 400 naming the field, and starts nothing', async () => {
    const n = started.length;
    const r = await handler(event('POST', '/searches', { body: '{"strategy":{"batchSize":0}}' }));
    expect(r.statusCode).toBe(400);
    expect(body(r).issues[0].path).toBe('$.strategy.batchSize');
    expect(started.length).toBe(n);
  });

  it('rejects non-JSON and oversized bodies', async () => {
    expect((await handler(event('POST', '/searches', { body: '{nope' }))).statusCode).toBe(400);
    const big = `{"name":"${'x'.repeat(1_100_000)}"}`;
    expect((await handler(event('POST', '/searches', { body: big }))).statusCode).toBe(413);
  });
});

describe('GET routes', () => {
  it('lists searches, shows status, and says when results are not ready', async () => {
    const list = body(await handler(event('GET', '/searches')));
    expect(list.searches.length).toBeGreaterThan(0);
    expect(list).toHaveProperty('nextToken');
    const id = list.searches[0];
    const status = await handler(event('GET', '/searches/{id}', { pathParameters: { id } }));
    expect(status.statusCode).toBe(200);
    expect(body(status).status).toBe('created');
    const results = await handler(event('GET', '/searches/{id}/results', { pathParameters: { id } }));
    expect(results.statusCode).toBe(409);
    await putJson(store, keys.results(id), { paretoFront: [] });
    const ready = await handler(event('GET', '/searches/{id}/results', { pathParameters: { id } }));
    expect(ready.statusCode).toBe(200);
  });

  it('answers 404 for an unknown search and 400 for an id with path characters', async () => {
    const unknown = await handler(
      event('GET', '/searches/{id}', { pathParameters: { id: 'no-such-search' } }),
    );
    expect(unknown.statusCode).toBe(404);
    const bad = await handler(event('GET', '/searches/{id}', { pathParameters: { id: '../../etc' } }));
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error).toMatch(/invalid search id/);
  });

  it('answers 404 for an unknown route', async () => {
    expect((await handler(event('DELETE', '/searches'))).statusCode).toBe(404);
  });
});
