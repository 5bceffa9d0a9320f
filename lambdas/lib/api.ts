// The REST API as one API Gateway proxy handler. Every error is a 4xx JSON body naming the
// problem; only a real fault of ours is a 5xx. Bodies and parameters are validated with zod here
// (API Gateway's own validation would not name the field).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { type CostOptions, costSoFar, estimateCost } from '../../core/cost/model.js';
import { DatasetError } from '../../core/data/dataset.js';
import type { ReadBytes } from '../../core/data/source.js';
import {
  type CheckedSearch,
  checkSearch,
  createSearch,
  SpecNotRunnableError,
} from '../../core/engine/create.js';
import type { Evaluation } from '../../core/engine/evaluation.js';
import { newSearchId } from '../../core/engine/ids.js';
import { keys } from '../../core/engine/keys.js';
import { loadSpec, type SearchState } from '../../core/engine/state.js';
import { hashOf } from '../../core/hash.js';
import { MAX_SPEC_BYTES, parseSpec, type SpecIssue, zodIssues } from '../../core/spec/parse.js';
import type { SearchSpec } from '../../core/spec/schema.js';
import { listAll, putJson, tryGetJson } from '../../core/store/json.js';
import { tryParseS3Uri } from '../../core/store/s3-uri.js';
import { AlreadyExistsError, type Store } from '../../core/store/store.js';
import { IdempotencyKey, ListQuery, SearchIdParam, StopQuery } from './api-schemas.js';
import { reportError } from './observability.js';
import { methodsOf, type RouteId, routeOf } from './routes.js';
import { iamCaller, principalOf, type SearchOwner, tenantKeys } from './tenancy.js';

export interface ExecutionStarter {
  /** Start the search loop for a stored search; returns an execution id or ARN. */
  start(searchId: string): Promise<string>;
  /**
   * The search's first execution, if it was ever started (an id or ARN), else undefined. A
   * replayed POST asks this before starting: the first request may have recorded the search and
   * then failed to start it. Without it, start() must itself be idempotent by search id.
   */
  find?(searchId: string): Promise<string | undefined>;
  /** Hard fallback: stop the search's running executions now (no Finalize); returns how many. */
  forceStop?(searchId: string): Promise<number>;
}

export interface ApiDeps {
  store: () => Store;
  starter: () => ExecutionStarter;
  now?: () => number;
  /** Buckets outside the stack whose s3:// datasets a spec may name (CDK context cosearch:datasetBuckets). */
  datasetBuckets?: readonly string[];
  /** Accept file:// datasets (the local API server; the cloud loop cannot read them). */
  allowFileDatasets?: boolean;
  /** A presigned GET URL for a store key; without it, links are store locations. */
  presign?: (key: string) => Promise<string>;
  /** Which trainer backend the cost estimate assumes. */
  cost?: CostOptions;
  /** Reads s3:// dataset files for the pre-flight check (the cloud handler passes the S3 reader). */
  readBytes?: ReadBytes;
  /**
   * The caller's principal; default the IAM caller API Gateway authenticated. A request without
   * one is refused (403): every search belongs to somebody.
   */
  caller?: (event: APIGatewayProxyEvent) => string | undefined;
  /** Principals that list, read and stop every search (the stack's AdminPrincipalArns). */
  admins?: readonly string[];
}

/** Lifetime of presigned result links. */
export const LINK_EXPIRY_SECONDS = 3600;
/** Datasets in the stack's own bucket must live under this prefix (the loop can read it). */
export const OWN_BUCKET_DATASET_PREFIX = 'datasets/';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: SpecIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function bodyText(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES)
    throw new HttpError(413, `body larger than ${MAX_SPEC_BYTES} bytes`);
  return text;
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON: ${(e as Error).message}`);
  }
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const h = event.headers ?? {};
  const k = Object.keys(h).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : (h[k] ?? undefined);
}

function parseOr400<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = zodIssues(r.error);
    throw new HttpError(
      400,
      `invalid ${what}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return r.data;
}

function searchIdOf(event: APIGatewayProxyEvent): string {
  const id = event.pathParameters?.id ?? '';
  const r = SearchIdParam.safeParse(id);
  if (!r.success) throw new HttpError(400, `invalid search id "${id.slice(0, 80)}": use 3-64 of [a-z0-9-]`);
  return r.data;
}

async function stateOf(store: Store, id: string): Promise<SearchState> {
  const state = await tryGetJson<SearchState>(store, keys.state(id));
  if (!state) throw new HttpError(404, `no search ${id}`);
  return state;
}

/** Datasets are checked here, at POST: a search never fails at training time for an unreadable bucket. */
export function checkDataset(spec: SearchSpec, store: Store, deps: ApiDeps): void {
  const uri = spec.dataset.uri;
  const reject = (status: number, message: string) =>
    new HttpError(status, message, [{ path: '$.dataset.uri', message }]);
  if (uri.startsWith('file://') && !deps.allowFileDatasets)
    throw reject(
      400,
      `file:// datasets cannot be read by the cloud loop; upload it to s3:// (${uri.slice(0, 200)})`,
    );
  // The spec schema has checked the URI's form already; anything not s3:// needs no bucket check.
  const location = tryParseS3Uri(uri);
  if (!location) return;
  const { bucket, key } = location;
  if (bucket === tryParseS3Uri(store.uri)?.bucket) {
    if (!key.startsWith(OWN_BUCKET_DATASET_PREFIX))
      throw reject(403, `datasets in the stack's bucket must be under ${OWN_BUCKET_DATASET_PREFIX}`);
    return;
  }
  if (!(deps.datasetBuckets ?? []).includes(bucket))
    throw reject(
      403,
      `dataset bucket "${bucket}" is not allowed; allowed: ${(deps.datasetBuckets ?? []).join(', ') || 'none'} (CDK context cosearch:datasetBuckets)`,
    );
}

const linksOf = (id: string) => ({
  self: `/searches/${id}`,
  results: `/searches/${id}/results`,
  stop: `/searches/${id}/stop`,
});

interface IdempotencyRecord {
  bodyHash: string;
  searchId: string;
}

export function createApiHandler(deps: ApiDeps) {
  const now = deps.now ?? Date.now;
  const link = async (store: Store, key: string) =>
    deps.presign ? deps.presign(key) : `${store.uri.replace(/\/$/, '')}/${key}`;

  const admins = new Set((deps.admins ?? []).map(principalOf));

  function callerOf(event: APIGatewayProxyEvent): { principal: string; admin: boolean } {
    const principal = (deps.caller ?? iamCaller)(event);
    if (!principal)
      throw new HttpError(403, 'the request names no IAM caller; sign it with SigV4 (AWS_IAM authorization)');
    return { principal, admin: admins.has(principal) };
  }

  /** The owner of a search, or undefined for one started outside the API. */
  const ownerOf = (store: Store, id: string) => tryGetJson<SearchOwner>(store, tenantKeys.owner(id));

  /** The search's state, if the caller may see it; anyone else's search is "no search", as an unknown id. */
  async function visibleState(store: Store, event: APIGatewayProxyEvent, id: string) {
    const caller = callerOf(event);
    const owner = await ownerOf(store, id);
    if (!caller.admin && owner?.principal !== caller.principal) throw new HttpError(404, `no search ${id}`);
    return { state: await stateOf(store, id), owner };
  }

  /** Both owner records; put-if-absent, so a replay finishing a first request's work is harmless. */
  async function recordOwner(store: Store, principal: string, searchId: string) {
    const owner: SearchOwner = { searchId, principal, createdAt: new Date(now()).toISOString() };
    for (const key of [tenantKeys.owner(searchId), tenantKeys.owned(principal, searchId)])
      await store.putIfAbsent(key, `${JSON.stringify(owner, null, 2)}\n`).catch((e: unknown) => {
        if (!(e instanceof AlreadyExistsError)) throw e;
      });
  }

  async function postSearch(store: Store, event: APIGatewayProxyEvent) {
    const { principal } = callerOf(event);
    const idemKey = header(event, 'Idempotency-Key');
    if (idemKey !== undefined) parseOr400(IdempotencyKey, idemKey, 'Idempotency-Key header');
    const raw = parseBody(bodyText(event));
    const r = parseSpec(raw);
    if (!r.ok) throw new HttpError(400, `invalid spec: ${r.issues.map((i) => i.path).join(', ')}`, r.issues);
    const spec = r.value;
    checkDataset(spec, store, deps);
    // Refused before anything is written (not even the idempotency record): 400 naming the field or file.
    let checked: CheckedSearch;
    try {
      checked = await checkSearch(spec, { readBytes: deps.readBytes });
    } catch (e) {
      if (e instanceof SpecNotRunnableError) throw new HttpError(400, e.message, e.issues);
      if (e instanceof DatasetError) throw new HttpError(400, `bad dataset: ${e.message}`);
      throw e;
    }
    const estimate = estimateCost(spec, deps.cost);
    const reply = (searchId: string, status: string, extra: object = {}) =>
      json(202, {
        searchId,
        status,
        estimatedUSD: estimate.totalUSD,
        estimate,
        ...extra,
        links: linksOf(searchId),
      });

    let searchId = newSearchId(now());
    if (idemKey !== undefined) {
      // Same key and same (parsed) body: the same search; same key, other body: a conflict.
      const record: IdempotencyRecord = { bodyHash: hashOf(raw), searchId };
      const key = tenantKeys.idempotency(principal, idemKey);
      try {
        await store.putIfAbsent(key, JSON.stringify(record));
      } catch (e) {
        if (!(e instanceof AlreadyExistsError)) throw e;
        const prior = await tryGetJson<IdempotencyRecord>(store, key);
        if (!prior || prior.bodyHash !== record.bodyHash)
          throw new HttpError(409, 'Idempotency-Key was already used with a different body');
        // The first request may have died after recording the key: before creating the search,
        // or before (or while) starting its execution. Finish what it began.
        await recordOwner(store, principal, prior.searchId);
        let state = await tryGetJson<SearchState>(store, keys.state(prior.searchId));
        if (!state) {
          await createSearch(store, spec, prior.searchId, { now, checked });
          state = await tryGetJson<SearchState>(store, keys.state(prior.searchId));
        }
        if (state?.status !== 'created')
          return reply(prior.searchId, state?.status ?? 'created', { idempotentReplay: true });
        const starter = deps.starter();
        const executionId = (await starter.find?.(prior.searchId)) ?? (await starter.start(prior.searchId));
        return reply(prior.searchId, 'running', { executionId, idempotentReplay: true });
      }
      searchId = record.searchId;
    }
    // Owned before it exists: no moment where the search is visible to nobody or to everybody.
    await recordOwner(store, principal, searchId);
    await createSearch(store, spec, searchId, { now, checked });
    const executionId = await deps.starter().start(searchId);
    return reply(searchId, 'running', { executionId });
  }

  async function listSearches(store: Store, event: APIGatewayProxyEvent) {
    const caller = callerOf(event);
    const q = parseOr400(ListQuery, event.queryStringParameters ?? {}, 'query');
    // An admin pages over the whole index, anyone else over their own.
    const prefix = caller.admin ? keys.searchIndexPrefix : tenantKeys.ownedPrefix(caller.principal);
    let page: Awaited<ReturnType<Store['list']>>;
    try {
      page = await store.list(prefix, {
        maxKeys: q.limit,
        ...(q.nextToken ? { nextToken: q.nextToken } : {}),
      });
    } catch (e) {
      if (q.nextToken) throw new HttpError(400, `invalid nextToken: ${(e as Error).message.slice(0, 200)}`);
      throw e;
    }
    // Both indexes end in {id}.json: the ids come from the keys alone.
    const searches = page.keys.map((k) => k.slice(prefix.length).replace(/\.json$/, ''));
    return json(200, { searches, nextToken: page.nextToken ?? null });
  }

  function costOf(spec: SearchSpec, state: SearchState) {
    // state.json's trainSeconds: measured seconds of the children really trained.
    return { estimate: estimateCost(spec, deps.cost), actual: costSoFar(spec, state, deps.cost) };
  }

  async function getStatus(store: Store, event: APIGatewayProxyEvent) {
    const id = searchIdOf(event);
    const { state, owner } = await visibleState(store, event, id);
    const spec = await loadSpec(store, id);
    const { estimate, actual } = costOf(spec, state);
    return json(200, {
      ...state,
      stopRequested: (await store.tryGet(keys.stop(id))) !== undefined,
      costSoFarUSD: actual.totalUSD,
      estimatedUSD: estimate.totalUSD,
      maxUSD: spec.budget.maxUSD,
      ...(owner ? { owner: owner.principal } : {}),
      links: linksOf(id),
    });
  }

  async function getResults(store: Store, event: APIGatewayProxyEvent) {
    const id = searchIdOf(event);
    const { state } = await visibleState(store, event, id);
    const results = await tryGetJson<{ paretoFront?: (Evaluation & { modelPrefix?: string })[] }>(
      store,
      keys.results(id),
    );
    if (!results) throw new HttpError(409, `search ${id} has no results yet (status ${state.status})`);
    const spec = await loadSpec(store, id);
    const front = [];
    for (const p of results.paretoFront ?? []) {
      const model: Record<string, string> = {};
      if (p.modelPrefix)
        for (const k of await listAll(store, p.modelPrefix))
          model[k.slice(p.modelPrefix.length)] = await link(store, k);
      front.push({
        ...p,
        links: {
          model,
          acceleratorConfig: await link(store, keys.candidate(id, p.iteration, p.cid)),
          acceleratorMetrics: await link(store, keys.accelerator(id, p.iteration, p.cid)),
        },
      });
    }
    const { estimate, actual } = costOf(spec, state);
    return json(200, {
      ...results,
      paretoFront: front,
      cost: { estimatedUSD: estimate.totalUSD, actualUSD: actual.totalUSD, estimate, actual },
      linksExpireSeconds: LINK_EXPIRY_SECONDS,
    });
  }

  async function stopSearch(store: Store, event: APIGatewayProxyEvent) {
    const id = searchIdOf(event);
    const { state } = await visibleState(store, event, id);
    if (state.status === 'succeeded' || state.status === 'stopped' || state.status === 'failed')
      throw new HttpError(409, `search ${id} has already finished (status ${state.status})`);
    const q = parseOr400(StopQuery, event.queryStringParameters ?? {}, 'query');
    const starter = q.force === 'true' ? deps.starter() : undefined;
    if (starter && !starter.forceStop) throw new HttpError(400, 'force stop is not available here');
    // The loop reads the flag after each iteration and ends through Finalize, keeping results.
    await store.put(keys.stop(id), `stop requested ${new Date(now()).toISOString()}\n`);
    if (!starter?.forceStop) return json(202, { searchId: id, status: 'stopping', links: linksOf(id) });
    // Hard fallback (?force=true): StopExecution now. No Finalize runs, so no results are written.
    const stopped = await starter.forceStop(id);
    const t = new Date(now()).toISOString();
    await putJson(store, keys.state(id), {
      ...state,
      status: 'stopped',
      stopReason: 'force-stopped',
      updatedAt: t,
    });
    return json(202, { searchId: id, status: 'stopped', executionsStopped: stopped, links: linksOf(id) });
  }

  const operations: Record<
    RouteId,
    (store: Store, event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>
  > = {
    createSearch: postSearch,
    listSearches,
    getSearch: getStatus,
    getResults,
    stopSearch,
  };

  // The Lambda context is not needed; it is accepted so the handler has Lambda's signature.
  return async (event: APIGatewayProxyEvent, _context?: unknown): Promise<APIGatewayProxyResult> => {
    try {
      const route = routeOf(event.httpMethod, event.resource);
      if (!route) {
        const allow = methodsOf(event.resource);
        if (allow.length === 0) throw new HttpError(404, `no route ${event.httpMethod} ${event.resource}`);
        throw new HttpError(405, `${event.httpMethod} is not allowed on ${event.resource}`, undefined, {
          allow: allow.join(', '),
        });
      }
      return await operations[route.id](deps.store(), event);
    } catch (e) {
      if (e instanceof HttpError)
        return json(e.status, { error: e.message, ...(e.issues ? { issues: e.issues } : {}) }, e.headers);
      reportError('internal error', e);
      return json(500, { error: 'internal error' });
    }
  };
}
