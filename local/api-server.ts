// `cosearch serve`: the REST API on loopback, routed to the same handler as API Gateway
// (proxy events), starting local executions. No SigV4 here: it only listens on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Store } from '../core/store/store.js';
import { createApiHandler } from '../lambdas/lib/api.js';
import { LOCAL_API_PORT, matchResource, methodsOf, routeOf } from '../lambdas/lib/routes.js';
import { loopDefinition } from './runner.js';
import { runSession } from './session.js';
import { TrainPool } from './train-pool.js';

/** The one caller of the local server (no IAM on loopback). */
export const LOCAL_CALLER = 'local';

/** API Gateway's payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Searches running at once by default: each runs its loop and holds its dataset. */
export const DEFAULT_MAX_SEARCHES = 4;
/**
 * Training threads the server's searches share by default. Each holds tfjs and a dataset (about
 * 250 MB with digits), so memory follows the workers, not the number of searches.
 */
export const DEFAULT_SERVE_WORKERS = 2;
/** Seconds a refused POST is told to wait (Retry-After). */
export const RETRY_AFTER_SECONDS = 30;

export interface ServeOptions {
  store: Store;
  port?: number;
  /** Training threads shared by every running search (default DEFAULT_SERVE_WORKERS; 0 in-process). */
  workers?: number;
  /** At most this many searches run at once; further POST /searches answer 429. */
  maxSearches?: number;
  /** One line per request, and one per finished search. */
  log?: (line: string) => void;
  /** Runs one search (default: runSession, the synthesized loop); tests substitute it. */
  runSearch?: (store: Store, searchId: string) => Promise<unknown>;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Executions started by this server; tests await them. */
  executions: Map<string, Promise<unknown>>;
  /** The training workers every search shares (none when training in-process or runSearch is given). */
  pool: TrainPool | undefined;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const executions = new Map<string, Promise<unknown>>();
  const log = options.log ?? (() => undefined);
  const maxSearches = options.maxSearches ?? DEFAULT_MAX_SEARCHES;
  // Admission: searches running plus POSTs being handled (which may start one) stay under the cap.
  const running = new Set<string>();
  let admitting = 0;
  const workers = options.workers ?? DEFAULT_SERVE_WORKERS;
  // One pool for all searches, its workers started on first use.
  const pool = workers > 0 && !options.runSearch ? new TrainPool(workers) : undefined;
  const runSearch =
    options.runSearch ??
    ((store: Store, searchId: string) =>
      runSession(store, searchId, pool ? { pool } : { workers: 0 }).then((r) =>
        log(`search ${searchId} ${r.status} in ${r.seconds.toFixed(1)} s`),
      ));
  const api = createApiHandler({
    store: () => options.store,
    // Loopback only, one user: that user is the admin of the store.
    caller: () => LOCAL_CALLER,
    admins: [LOCAL_CALLER],
    starter: () => ({
      async find(searchId) {
        return executions.has(searchId) ? `local:${searchId}` : undefined;
      },
      async start(searchId) {
        running.add(searchId);
        const run = runSearch(options.store, searchId)
          .catch((e: Error) => log(`search ${searchId} failed: ${e.message}`))
          .finally(() => running.delete(searchId));
        executions.set(searchId, run);
        return `local:${searchId}`;
      },
    }),
  });
  const server = createServer(async (req, res) => {
    const t0 = performance.now();
    res.on('finish', () =>
      log(`${req.method} ${req.url} ${res.statusCode} ${Math.round(performance.now() - t0)} ms`),
    );
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = matchResource(url.pathname);
      if (!route) return send(res, 404, JSON.stringify({ error: `no route ${req.method} ${url.pathname}` }));
      // As API Gateway does: only the table's methods reach the handler.
      if (!routeOf(req.method ?? 'GET', route.resource)) {
        const allow = methodsOf(route.resource).join(', ');
        return send(
          res,
          405,
          JSON.stringify({ error: `${req.method} is not allowed on ${route.resource}` }),
          {
            allow,
          },
        );
      }
      const tooLarge = () =>
        // The rest of the body is never read, so the connection cannot carry another request.
        send(res, 413, JSON.stringify({ error: `body larger than ${MAX_BODY_BYTES} bytes` }), {
          connection: 'close',
        });
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return tooLarge();
      const starts = req.method === 'POST' && route.resource === '/searches';
      if (starts && running.size + admitting >= maxSearches)
        return send(
          res,
          429,
          JSON.stringify({
            error: `${running.size + admitting} searches are running or starting, the most this server runs at once (--max-searches ${maxSearches}); retry later`,
          }),
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        );
      if (starts) admitting++;
      try {
        await handle(req, res, url, route, tooLarge);
      } finally {
        if (starts) admitting--;
      }
    } catch (e) {
      log(`request failed: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 400, JSON.stringify({ error: 'bad request' }));
    }
  });

  /** Read the body (within the limit) and answer through the same handler as API Gateway. */
  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: { resource: string; params: Record<string, string> },
    tooLarge: () => void,
  ) {
    const body = await readBody(req);
    if (body === undefined) return tooLarge();
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
    );
    const event = {
      httpMethod: req.method ?? 'GET',
      resource: route.resource,
      path: url.pathname,
      pathParameters: Object.keys(route.params).length ? route.params : null,
      queryStringParameters: url.searchParams.size ? Object.fromEntries(url.searchParams) : null,
      headers,
      body: body === '' ? null : body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;
    const out = await api(event);
    send(res, out.statusCode, out.body, (out.headers ?? {}) as Record<string, string>);
  }

  // The CDK synth of the loop blocks the event loop for seconds (30 s on a busy machine): done
  // before listening, not when the first search starts, so no request ever waits behind it.
  if (!options.runSearch) loopDefinition();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? LOCAL_API_PORT, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    executions,
    pool,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool?.close();
    },
  };
}
