// A state-machine step as a middy handler: validate the event with zod, then call core. Every
// step shares one middleware stack: observability (lambdas/lib/observability.ts), validation,
// and errors cut to what Step Functions should carry.
import middy from '@middy/core';
import type { z } from 'zod';
import type { StepContext } from '../../core/engine/state.js';
import { formatIssues, zodIssues } from '../../core/spec/parse.js';
import { stepContext } from './context.js';
import { observe, stepKeys } from './observability.js';
import { type EventOf, type ResultOf, STEP_METRICS, type StepMetrics } from './step-metrics.js';
import { STEPS, type StepName } from './steps-table.js';

/** Thrown for an event that does not match the step's schema; never retried. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

export function validateEvent<S extends z.ZodType>(schema: S) {
  return {
    before: (request: { event: unknown }) => {
      const r = schema.safeParse(request.event);
      if (!r.success) throw new InvalidEventError(`invalid event:\n${formatIssues(zodIssues(r.error))}`);
      request.event = r.data;
    },
  };
}

/** Cuts a step's error to what Step Functions carries, after the observer logged it whole. */
export const boundErrors = () => ({
  onError: (request: { error: unknown }) => {
    request.error = boundedError(request.error);
  },
});

/**
 * The handler for one step; `ctx` can be injected (local runner, tests), and `metrics` adds the
 * step's own metrics (lambdas/lib/step-metrics.ts; they are only recorded in Lambda).
 */
export function stepHandler<S extends z.ZodType, R>(
  schema: S,
  step: (ctx: StepContext, event: z.infer<S>) => Promise<R>,
  ctx?: () => StepContext,
  metrics?: StepMetrics<z.infer<S>, R>,
) {
  const context = ctx ?? stepContext;
  const ok = metrics?.ok;
  // Middy runs onError in reverse order: the observer logs the whole error, then it is bounded.
  return middy<z.infer<S>, R>()
    .use(boundErrors())
    .use(
      observe<z.infer<S>, R>({
        keys: stepKeys,
        summary: (_event, r) => summaryOf(r),
        ...(ok ? { metrics: (event, r, m) => ok(context(), event, r, m) } : {}),
        ...(metrics?.failed ? { failureMetrics: metrics.failed } : {}),
      }),
    )
    .use(validateEvent(schema))
    .handler(async (event) => step(context(), event));
}

/** The deployed handler of a step: its schema, its core function and its metrics, by name. */
export function stepLambda<N extends StepName>(name: N) {
  // STEPS indexed by a generic name is a union; each entry is its own event, step and metrics.
  const { event, step } = STEPS[name] as unknown as {
    event: z.ZodType<EventOf<N>>;
    step: (ctx: StepContext, e: EventOf<N>) => Promise<ResultOf<N>>;
  };
  return stepHandler(event, step, undefined, STEP_METRICS[name]);
}

/** A step result's status and progress, for its `done` log line (never its whole payload). */
function summaryOf(r: unknown): Record<string, unknown> {
  if (!r || typeof r !== 'object') return {};
  const o = r as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['status', 'done', 'feasible', 'stepsDone', 'checkpoint', 'supernet'])
    if (typeof o[k] === 'string' || typeof o[k] === 'number' || typeof o[k] === 'boolean') out[k] = o[k];
  if (Array.isArray(o.candidates)) out.candidates = o.candidates.length;
  return out;
}

/**
 * Longest error message a step hands to Step Functions. A failed child's Cause rides in the Map's
 * output: 100 inline children at about 0.7 KiB each stay far below the 256 KiB payload limit.
 */
export const MAX_ERROR_MESSAGE = 600;

/**
 * The error as Step Functions will carry it: name and message kept (a Catch matches the name,
 * MarkFailed and the child's reason read the message), the message capped and the stack cut to
 * the name alone (Lambda copies the stack into the Cause's trace, which would repeat the message).
 * The full error is in the function's log (the observer's `failed` line).
 */
export function boundedError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.message.length > MAX_ERROR_MESSAGE) err.message = `${err.message.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
  err.stack = err.name;
  return err;
}
