// `cosearch serve`: the REST API on loopback, routed to the same handler as API Gateway
// (proxy events), starting local executions. No SigV4 here: it only listens on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Store } from '../core/store/store.js';
import { createApiHandler } from '../lambdas/lib/api.js';
import { matchResource, methodsOf, routeOf } from '../lambdas/lib/routes.js';
import { runSession } from './session.js';

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

export interface ServeOptions {
  store: Store;
  port?: number;
  /** Training workers per search. */
  workers?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Executions started by this server; tests await them. */
  executions: Map<string, Promise<unknown>>;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const executions = new Map<string, Promise<unknown>>();
  const log = options.log ?? (() => undefined);
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
        const run = runSession(options.store, searchId, {
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
        }).then(
          (r) => log(`search ${searchId} ${r.status} in ${r.seconds.toFixed(1)} s`),
          (e: Error) => log(`search ${searchId} failed: ${e.message}`),
        );
        executions.set(searchId, run);
        return `local:${searchId}`;
      },
    }),
  });
  const server = createServer(async (req, res) => {
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
      const body = await readBody(req);
      if (body === undefined)
        return send(res, 413, JSON.stringify({ error: `body larger than ${MAX_BODY_BYTES} bytes` }));
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
    } catch (e) {
      log(`request failed: ${(e as Error).message}`);
      send(res, 400, JSON.stringify({ error: 'bad request' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    executions,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
