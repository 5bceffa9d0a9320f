// A search that cannot go on ends as `failed`, with its cause, instead of staying "running".
// The state machine's Catch on every loop step leads here (MarkFailed), and so does a timed-out
// execution (through an EventBridge rule in the cloud). A child's failure is not a search's: it
// is described with the same parser and recorded on the child.
import { putJson, tryGetJson } from '../store/json.js';
import { keys } from './keys.js';
import {
  iso,
  loadSpec,
  newSearchState,
  type SearchState,
  type SearchStatus,
  type StepContext,
} from './state.js';

/** Longest message kept: a cause is for a person to read, not a log. */
export const MAX_FAILURE_MESSAGE = 1000;

/** Why a search failed, as state.json and GET /searches/{id} show it. */
export interface SearchFailure {
  /** The error's name, e.g. CorruptObjectError, DatasetError, States.Timeout. */
  error: string;
  message: string;
  /** The store key, file or s3:// object the message names, when it names one. */
  key?: string;
  at: string;
}

/** Lambda's throttling errors, as Step Functions names them once its retries are spent. */
export const THROTTLE_ERRORS = ['Lambda.TooManyRequestsException', 'Lambda.ThrottlingException'] as const;
/** The error name a throttled step or child is recorded under, distinct from a crash. */
export const THROTTLED = 'Throttled';

/** Store keys, file:// and s3:// locations, as the store and the data loader write them in errors. */
const LOCATION =
  /(?:s3:\/\/[^\s"'(),;]+|file:\/\/[^\s"'(),;]+|\b(?:searches|index|idempotency|datasets)\/[^\s"'(),;:]+)/;

/** The first store key, file or S3 object a message names. */
export function locationIn(message: string): string | undefined {
  // A sentence's colon or full stop after the location is not part of it.
  return LOCATION.exec(message)?.[0].replace(/[:.]+$/, '');
}

/**
 * Error and message from what a Catch hands over: Step Functions' `Error`, and a `Cause` that
 * is Lambda's JSON error ({errorType, errorMessage, trace}) in the cloud and plain text locally
 * or from the service itself (States.Timeout, States.DataLimitExceeded).
 */
export function describeFailure(
  error: string | undefined,
  cause: string | undefined,
): Omit<SearchFailure, 'at'> {
  let name = error || 'Error';
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorType?: unknown; errorMessage?: unknown };
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      message = parsed.errorMessage;
      if (typeof parsed.errorType === 'string' && (name === 'Error' || name === parsed.errorType))
        name = parsed.errorType;
    }
  } catch {
    // Plain text: the message as it is.
  }
  message = message.trim() || 'no cause given';
  if ((THROTTLE_ERRORS as readonly string[]).includes(name)) {
    // Not the code's fault: Lambda had no concurrency left for the whole retry window.
    message = `${name} after every retry (Lambda concurrency exhausted): ${message}`;
    name = THROTTLED;
  }
  if (message.length > MAX_FAILURE_MESSAGE) message = `${message.slice(0, MAX_FAILURE_MESSAGE - 1)}…`;
  const key = locationIn(message);
  return { error: name, message, ...(key ? { key } : {}) };
}

/** One line for a person: "DatasetError: cannot read dataset file:///x (no such file)". */
export const failureText = (f: Pick<SearchFailure, 'error' | 'message'>): string =>
  `${f.error}: ${f.message}`;

/**
 * The state to mark: state.json as it is, or, when it is missing or unreadable (it may be the
 * very object that failed), a fresh one from the spec, or a bare one when the spec is gone too.
 */
async function baseState(ctx: StepContext, searchId: string, at: string): Promise<SearchState> {
  try {
    const s = await tryGetJson<SearchState>(ctx.store, keys.state(searchId));
    if (s && typeof s === 'object') return s;
  } catch {
    // Corrupt: rebuilt below; the failure itself names the key.
  }
  try {
    return newSearchState(await loadSpec(ctx.store, searchId), searchId, at);
  } catch {
    return {
      searchId,
      status: 'created',
      specHash: '',
      iteration: 0,
      iterations: 0,
      candidatesEvaluated: 0,
      trained: 0,
      failed: 0,
      infeasible: 0,
      cached: 0,
      bestReward: null,
      trainSeconds: 0,
      startedAt: at,
      updatedAt: at,
    };
  }
}

export interface MarkFailedInput {
  searchId: string;
  error?: string;
  cause?: string;
}

/**
 * MarkFailed: write `status: "failed"` and the cause to state.json. A search already marked
 * failed keeps its first cause (a later, vaguer report such as the execution's own failure
 * event must not replace it); a search that finished is left alone.
 */
export async function markFailed(
  ctx: StepContext,
  input: MarkFailedInput,
): Promise<{ searchId: string; status: SearchStatus; failure?: SearchFailure }> {
  const { searchId } = input;
  const at = iso(ctx);
  const state = await baseState(ctx, searchId, at);
  if (state.status === 'succeeded' || state.status === 'stopped') return { searchId, status: state.status };
  if (state.status === 'failed' && state.failure)
    return { searchId, status: 'failed', failure: state.failure };
  const failure: SearchFailure = { ...describeFailure(input.error, input.cause), at };
  await putJson(ctx.store, keys.state(searchId), { ...state, status: 'failed', failure, updatedAt: at });
  return { searchId, status: 'failed', failure };
}
