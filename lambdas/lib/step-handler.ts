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
    .handler((event) => step((ctx ?? stepContext)(), event));
}
