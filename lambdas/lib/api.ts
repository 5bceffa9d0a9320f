// The REST API as one API Gateway proxy handler. Every error is a 4xx JSON body naming the
// problem; only a real fault of ours is a 5xx.
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { keys, SEARCH_ID_PATTERN } from '../../core/engine/keys.js';
import { createSearch, type SearchState } from '../../core/engine/steps.js';
import { MAX_SPEC_BYTES, parseSpec } from '../../core/spec/parse.js';
import { tryGetJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';

export interface ExecutionStarter {
  /** Start the search loop for a stored search; returns an execution id or ARN. */
  start(searchId: string): Promise<string>;
}

export interface ApiDeps {
  store: () => Store;
  starter: () => ExecutionStarter;
  now?: () => number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A fresh search id: a sortable time part and a random part. */
export function newSearchId(now: number): string {
  const t = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `s${t}-${randomBytes(4).toString('hex')}`;
}

function parseBody(event: APIGatewayProxyEvent): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES)
    throw new HttpError(413, `body larger than ${MAX_SPEC_BYTES} bytes`);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON: ${(e as Error).message}`);
  }
}

function searchIdOf(event: APIGatewayProxyEvent): string {
  const id = event.pathParameters?.id ?? '';
  if (!SEARCH_ID_PATTERN.test(id)) throw new HttpError(400, `invalid search id "${id.slice(0, 80)}"`);
  return id;
}

async function stateOf(store: Store, id: string): Promise<SearchState> {
  const state = await tryGetJson<SearchState>(store, keys.state(id));
  if (!state) throw new HttpError(404, `no search ${id}`);
  return state;
}

export function createApiHandler(deps: ApiDeps) {
  const now = deps.now ?? Date.now;
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const route = `${event.httpMethod} ${event.resource}`;
      const store = deps.store();
      switch (route) {
        case 'POST /searches': {
          const r = parseSpec(parseBody(event));
          if (!r.ok) throw new HttpError(400, 'invalid spec', r.issues);
          const searchId = newSearchId(now());
          await createSearch(store, r.value, searchId, now);
          const executionId = await deps.starter().start(searchId);
          return json(202, {
            searchId,
            status: 'running',
            executionId,
            links: { self: `/searches/${searchId}`, results: `/searches/${searchId}/results` },
          });
        }
        case 'GET /searches': {
          const limit = Math.min(Number(event.queryStringParameters?.limit ?? 50) || 50, 1000);
          const token = event.queryStringParameters?.nextToken;
          const page = await store.list(keys.searchesPrefix, {
            maxKeys: 1000,
            ...(token ? { nextToken: token } : {}),
          });
          const ids = [
            ...new Set(page.keys.filter((k) => k.endsWith('/state.json')).map((k) => k.split('/')[1]!)),
          ];
          return json(200, { searches: ids.slice(0, limit), nextToken: page.nextToken ?? null });
        }
        case 'GET /searches/{id}':
          return json(200, await stateOf(store, searchIdOf(event)));
        case 'GET /searches/{id}/results': {
          const id = searchIdOf(event);
          const state = await stateOf(store, id);
          const results = await tryGetJson(store, keys.results(id));
          if (!results) throw new HttpError(409, `search ${id} has no results yet (status ${state.status})`);
          return json(200, results);
        }
        default:
          throw new HttpError(404, `no route ${route}`);
      }
    } catch (e) {
      if (e instanceof HttpError)
        return json(e.status, { error: e.message, ...(e.details ? { issues: e.details } : {}) });
      console.error(e);
      return json(500, { error: 'internal error' });
    }
  };
}
