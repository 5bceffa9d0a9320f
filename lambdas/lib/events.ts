// The payloads between states: ids and keys only, never data.
import { z } from 'zod';
import { describeFailure, failureText } from '../../core/engine/fail.js';
import { SEARCH_ID_PATTERN } from '../../core/engine/keys.js';

export const SearchId = z.string().regex(SEARCH_ID_PATTERN, { message: 'invalid search id' });
export const Cid = z.string().regex(/^[0-9a-f]{16}$/, { message: 'invalid candidate id' });
export const Iteration = z.number().int().min(1).max(100_000);

export const InitEvent = z.object({ searchId: SearchId });
export const IterationEvent = z.object({ searchId: SearchId, iteration: Iteration });
export const CandidateEvent = z.object({ searchId: SearchId, iteration: Iteration, cid: Cid });
/** What a Catch hands over (resultPath $.error): the error's name and its cause, as Step Functions gives them. */
export const CaughtError = z
  .object({
    Error: z.string().max(256).optional(),
    Cause: z
      .string()
      .max(256 * 1024)
      .optional(),
  })
  .loose();

/**
 * One child's summary. A failed child carries the caught error; it becomes one line with the
 * cause (message and key or file), which the evaluation keeps as the child's reason.
 */
const ChildSummary = z
  .object({
    cid: Cid,
    status: z.string().max(32),
    error: z.string().max(256).optional(),
    failure: CaughtError.optional(),
  })
  .loose()
  .transform(({ failure, ...child }) =>
    failure?.Cause
      ? { ...child, error: failureText(describeFailure(failure.Error ?? child.error, failure.Cause)) }
      : child,
  );

export const UpdateEvent = z.object({
  searchId: SearchId,
  iteration: Iteration,
  children: z.array(ChildSummary).max(10_000),
});
export const FinalizeEvent = z.object({ searchId: SearchId });

/**
 * MarkFailed's event: from the state machine's Catch ({searchId, error: {Error, Cause}}), or the
 * EventBridge status-change event of an execution that timed out or failed outside any Catch.
 */
export const MarkFailedEvent = z.union([
  z.object({ searchId: SearchId, error: CaughtError }).transform(({ searchId, error }) => ({
    searchId,
    ...(error.Error !== undefined ? { error: error.Error } : {}),
    ...(error.Cause !== undefined ? { cause: error.Cause } : {}),
  })),
  z
    .object({
      source: z.literal('aws.states'),
      detail: z
        .object({
          status: z.string().max(32),
          name: z.string().max(80),
          input: z.string().max(256 * 1024),
          error: z.string().max(256).nullish(),
          cause: z
            .string()
            .max(256 * 1024)
            .nullish(),
        })
        .loose(),
    })
    .loose()
    .transform(({ detail }, ctx) => {
      let input: unknown;
      try {
        input = JSON.parse(detail.input);
      } catch {
        input = undefined;
      }
      const id = SearchId.safeParse((input as { searchId?: unknown } | undefined)?.searchId);
      if (!id.success) {
        ctx.addIssue({ code: 'custom', path: ['detail', 'input'], message: 'names no valid searchId' });
        return z.NEVER;
      }
      return {
        searchId: id.data,
        error: detail.error || `States.${detail.status === 'TIMED_OUT' ? 'Timeout' : detail.status}`,
        cause: detail.cause || `execution ${detail.name} ended ${detail.status}`,
      };
    }),
]);
