// A state-machine step as a middy handler: validate the event with zod, then call core.
import middy from '@middy/core';
import type { z } from 'zod';
import type { StepContext } from '../../core/engine/state.js';
import { formatIssues, zodIssues } from '../../core/spec/parse.js';
import { stepContext } from './context.js';

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

/** The handler for one step; `ctx` can be injected (local runner, tests). */
export function stepHandler<S extends z.ZodType, R>(
  schema: S,
  step: (ctx: StepContext, event: z.infer<S>) => Promise<R>,
  ctx?: () => StepContext,
) {
  return middy<z.infer<S>, R>()
    .use(validateEvent(schema))
    .handler(async (event) => {
      try {
        return await step((ctx ?? stepContext)(), event);
      } catch (e) {
        throw boundedError(e);
      }
    });
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
 * The full error goes to the function's log first.
 */
export function boundedError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) console.error(err);
  if (err.message.length > MAX_ERROR_MESSAGE) err.message = `${err.message.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
  err.stack = err.name;
  return err;
}
