// Logs, metrics and traces for every handler: AWS Powertools behind one middy middleware.
//
// In Lambda: JSON log lines carrying the search and candidate ids, CloudWatch metrics (EMF) in one
// namespace, and X-Ray segments. Outside Lambda the local runtime runs these very handlers
// in-process under the CLI, whose terminal output is its own: nothing is loaded and nothing is
// printed there, unless POWERTOOLS_LOG_LEVEL asks for the log lines (metrics and tracing stay off).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';

/** The `service` of every log line, metric and trace. */
export const SERVICE_NAME = 'cosearch';
/** The CloudWatch namespace of every metric the handlers emit. */
export const METRICS_NAMESPACE = 'Cosearch';

export type LogKeys = Record<string, string | number>;

export interface Observability {
  logger: Logger;
  /** Only in Lambda: an EMF blob on stdout is for CloudWatch, not for a terminal. */
  metrics?: Metrics;
  /** Only in Lambda: the segments go to the X-Ray daemon Lambda runs beside the function. */
  tracer?: Tracer;
  /** Powertools' own middy middlewares (context into the logger, the handler's segment), in order. */
  stack: MiddlewareLike[];
}

type AnyRequest = Request<unknown, unknown, Error, Context>;
interface MiddlewareLike {
  before?: (request: AnyRequest) => unknown;
  after?: (request: AnyRequest) => unknown;
  onError?: (request: AnyRequest) => unknown;
}

/** Lambda sets AWS_LAMBDA_FUNCTION_NAME; the local runtime and the CLI never do. */
export const inLambda = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

let loading: Promise<Observability | undefined> | undefined;
let ready: Observability | undefined;

/**
 * The process's instances, loaded on first use (Powertools and the X-Ray SDK take about half a
 * second to import: the CLI should not pay for that), or undefined where nothing is observed.
 */
export function observability(): Promise<Observability | undefined> {
  loading ??= load(process.env).then((o) => {
    ready = o;
    return o;
  });
  return loading;
}

/** Forget the instances, so the next invocation reads the environment again (tests). */
export function resetObservability(): void {
  loading = undefined;
  ready = undefined;
}

async function load(env: NodeJS.ProcessEnv): Promise<Observability | undefined> {
  const lambda = inLambda(env);
  if (!lambda && !env.POWERTOOLS_LOG_LEVEL) return undefined;
  const [{ Logger }, { injectLambdaContext }] = await Promise.all([
    import('@aws-lambda-powertools/logger'),
    import('@aws-lambda-powertools/logger/middleware'),
  ]);
  // The level comes from the function's application log level (AWS_LAMBDA_LOG_LEVEL) in Lambda,
  // from POWERTOOLS_LOG_LEVEL elsewhere.
  const logger = new Logger({ serviceName: SERVICE_NAME });
  const stack: MiddlewareLike[] = [injectLambdaContext(logger, { resetKeys: true }) as MiddlewareLike];
  if (!lambda) return { logger, stack };
  const [{ Metrics }, { Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/metrics'),
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  // Tracing turns itself off where there is no X-Ray daemon (AWS_EXECUTION_ENV unset, SAM local).
  const tracer = new Tracer({ serviceName: SERVICE_NAME });
  // Responses stay out of the trace: an API response can be larger than a segment may be.
  stack.push(captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareLike);
  return { logger, metrics, tracer, stack };
}

// Warm the instances during Lambda's init phase rather than in the first invocation. A failed
// import is not lost: the first invocation awaits the same promise and fails with it.
if (inLambda()) observability().catch(() => undefined);

/** What one handler adds to the shared behaviour. */
export interface ObserveOptions<E, R> {
  /** Keys for every log line of the invocation (and X-Ray annotations), from the raw event. */
  keys?: (event: unknown) => LogKeys;
  /** Fields of the one INFO line a successful invocation writes. */
  summary?: (event: E, response: R) => Record<string, unknown>;
  /** Metrics of a successful invocation. */
  metrics?: (event: E, response: R, metrics: Metrics) => Promise<void> | void;
  /** Metrics of a failed invocation (the event may not have passed validation). */
  failureMetrics?: (event: unknown, error: Error, metrics: Metrics) => void;
}

/**
 * The shared middleware: Powertools' context and tracing middlewares, the event's ids appended
 * to every log line, one line per invocation (`done` with its duration, or `failed` with the whole
 * error, which is then rethrown), and the invocation's metrics flushed as one EMF blob.
 */
export function observe<E, R>(opts: ObserveOptions<E, R> = {}): MiddlewareObj<E, R> {
  // Per request, not per closure: the local runtime runs invocations of one handler concurrently.
  const started = new WeakMap<object, { obs: Observability; t0: number }>();
  const run = async (obs: Observability, phase: keyof MiddlewareLike, request: AnyRequest) => {
    const order = phase === 'before' ? obs.stack : [...obs.stack].reverse();
    for (const m of order) await m[phase]?.(request);
  };
  return {
    before: async (request) => {
      const obs = await observability();
      if (!obs) return;
      started.set(request, { obs, t0: performance.now() });
      await run(obs, 'before', request as AnyRequest);
      const keys = opts.keys?.(request.event) ?? {};
      obs.logger.appendKeys(keys);
      for (const [k, v] of Object.entries(keys)) obs.tracer?.putAnnotation(k, v);
    },
    after: async (request) => {
      const s = started.get(request);
      if (!s) return;
      const { logger, metrics } = s.obs;
      if (metrics && opts.metrics)
        await Promise.resolve(opts.metrics(request.event, request.response as R, metrics)).catch((e) =>
          logger.warn('metrics not recorded', e as Error),
        );
      logger.info('done', {
        durationMs: Math.round(performance.now() - s.t0),
        ...opts.summary?.(request.event, request.response as R),
      });
      flush(metrics);
      await run(s.obs, 'after', request as AnyRequest);
    },
    onError: async (request) => {
      const s = started.get(request);
      if (!s || !request.error) return;
      const { logger, metrics } = s.obs;
      logger.error('failed', request.error);
      if (metrics && opts.failureMetrics) {
        try {
          opts.failureMetrics(request.event, request.error, metrics);
        } catch (e) {
          logger.warn('metrics not recorded', e as Error);
        }
      }
      flush(metrics);
      await run(s.obs, 'onError', request as AnyRequest);
    },
  };
}

/** One EMF blob for the invocation; none (and no "no metrics" warning) when it recorded none. */
function flush(metrics: Metrics | undefined): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/**
 * An error a handler answers instead of throwing (the API's 500): on the invocation's log line in
 * Lambda; on stderr elsewhere, where `cosearch serve` runs the same handler for a person to read.
 */
export function reportError(message: string, e: unknown): void {
  if (ready) ready.logger.error(message, e instanceof Error ? e : new Error(String(e)));
  else console.error(e);
}

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v.slice(0, max) : undefined;

/** The ids a step's event carries: the search, the candidate, the iteration. */
export function stepKeys(event: unknown): LogKeys {
  const e = (event && typeof event === 'object' ? event : {}) as Record<string, unknown>;
  const out: LogKeys = {};
  const searchId = str(e.searchId, 80);
  if (searchId) out.searchId = searchId;
  const cid = str(e.cid, 32);
  if (cid) out.candidateId = cid;
  if (typeof e.iteration === 'number') out.iteration = e.iteration;
  // MarkFailed from the execution-ended rule: the execution is named after its search.
  const detail = e.detail as Record<string, unknown> | undefined;
  const execution = str(detail?.name, 80);
  if (!searchId && execution) out.execution = execution;
  return out;
}

/** The request's route and search, for the API's one line per request. */
export function requestKeys(event: unknown): LogKeys {
  const e = (event && typeof event === 'object' ? event : {}) as Record<string, unknown>;
  const out: LogKeys = {};
  const method = str(e.httpMethod, 16);
  if (method) out.method = method;
  const resource = str(e.resource, 200);
  if (resource) out.resource = resource;
  const searchId = str((e.pathParameters as Record<string, unknown> | null | undefined)?.id, 80);
  if (searchId) out.searchId = searchId;
  const requestId = str((e.requestContext as Record<string, unknown> | undefined)?.requestId, 80);
  if (requestId) out.apiRequestId = requestId;
  return out;
}
