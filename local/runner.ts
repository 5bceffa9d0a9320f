// Runs the synthesized state machine with aws-local-stepfunctions, every Task overridden by
// the real handler called in-process against the given store.
import type { Context } from 'aws-lambda';
import { ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { markFailed, type SearchFailure } from '../core/engine/fail.js';
import type { StepContext } from '../core/engine/state.js';
import { getJson } from '../core/store/json.js';
import type { HandlerName } from '../infra/handlers.js';
import { stepHandler } from '../lambdas/lib/step-handler.js';
import { STEPS, type StepName } from '../lambdas/lib/steps-table.js';
import {
  type LocalDefinition,
  localDefinition,
  type StateMachineDefinition,
  walkStates,
} from './definition.js';
import { boundedBy } from './hang.js';

type JsonValue = Parameters<StateMachine['run']>[0];
export type LocalHandler = (input: JsonValue) => Promise<JsonValue>;
type EventLog = { type: string; timestamp: number; state?: { name: string } };

const lambdaContext = (name: string): Context =>
  ({
    functionName: name,
    awsRequestId: 'local',
    getRemainingTimeInMillis: () => 15 * 60 * 1000,
  }) as unknown as Context;

/** The in-process handler for each step, bound to a store. */
export function localHandlers(ctx: StepContext): Record<StepName, LocalHandler> {
  const out = {} as Record<StepName, LocalHandler>;
  for (const name of Object.keys(STEPS) as StepName[]) {
    const { event, step } = STEPS[name];
    const h = stepHandler(event, step as (c: StepContext, e: unknown) => Promise<unknown>, () => ctx);
    out[name] = async (input) => (await h(input as never, lambdaContext(name))) as JsonValue;
  }
  return out;
}

/** A Task ran past its function's timeout: the bound the cloud puts on it, kept locally. */
export class TaskTimeoutError extends Error {
  constructor(state: string, seconds: number) {
    super(`${state} ran past its function's timeout of ${seconds} s`);
    this.name = 'States.Timeout';
  }
}

/**
 * Overrides for every Task state; throws if one has no local handler. Each is bounded by its
 * function's timeout as in the cloud, except the handlers named in `selfBounded`, which time
 * themselves (a worker pool counts from when a job starts, not while it waits for a worker).
 */
export function taskOverrides(
  def: LocalDefinition,
  handlers: Record<string, LocalHandler>,
  selfBounded: ReadonlySet<string> = new Set(),
) {
  const overrides: Record<string, LocalHandler> = {};
  for (const [state, handler] of Object.entries(def.tasks) as [string, HandlerName][]) {
    const h = handlers[handler];
    if (!h) throw new Error(`no local handler for Task ${state} (${handler})`);
    const seconds = def.timeouts[state];
    overrides[state] =
      seconds === undefined || selfBounded.has(handler)
        ? h
        : boundedBy(h, seconds, () => new TaskTimeoutError(state, seconds));
  }
  return overrides;
}

/** The longest a Node timer waits (2^31 - 1 ms): a longer delay would fire at once. */
export const NO_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * aws-local-stepfunctions gives a Task with no TimeoutSeconds 60 s (the States Language's
 * default), where Step Functions sets none and a Lambda Task runs until its function's timeout:
 * past 60 s every local child failed as "States.Timeout: States.Timeout". Locally the Tasks get
 * no such limit; taskOverrides bounds them instead, naming the Task when one runs too long.
 */
export function withoutDefaultTimeouts(def: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(def);
  walkStates(copy.States, (_, s) => {
    if (s.Type === 'Task' && s.TimeoutSeconds === undefined && s.TimeoutSecondsPath === undefined)
      s.TimeoutSeconds = NO_TIMEOUT_SECONDS;
  });
  return copy;
}

let cachedDefinition: LocalDefinition | undefined;

/** The synthesized loop, built once per process (a CDK synth: seconds of synchronous work). */
export function loopDefinition(): LocalDefinition {
  cachedDefinition ??= localDefinition();
  return cachedDefinition;
}

/** Whether loopDefinition has been built in this process. */
export function loopDefinitionBuilt(): boolean {
  return cachedDefinition !== undefined;
}

/**
 * The local runtime cannot execute a Distributed Map (no ItemReader, no child executions), so
 * locally it runs as an inline Map over the same per-candidate states. The cloud behaviour of the
 * Distributed Map is asserted on the synthesized template instead (test/infra).
 */
export function inlineDistributedMaps(def: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(def);
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const s of Object.values(states)) {
      const proc = s.ItemProcessor as
        | { ProcessorConfig?: { Mode?: string }; States: Record<string, Record<string, unknown>> }
        | undefined;
      if (!proc) continue;
      if (proc.ProcessorConfig?.Mode === 'DISTRIBUTED') {
        delete s.ItemReader;
        delete s.ItemBatcher;
        delete s.ResultWriter;
        delete s.ToleratedFailurePercentage;
        delete s.ToleratedFailureCount;
        s.ItemsPath = '$.candidates';
        proc.ProcessorConfig = { Mode: 'INLINE' };
      }
      visit(proc.States);
    }
  };
  visit(copy.States as Record<string, Record<string, unknown>>);
  return copy;
}

/** SampleCandidates leaves large batches out of its payload (they are read from S3 in the cloud). */
function withFullList(ctx: StepContext, sample: LocalHandler): LocalHandler {
  return async (input) => {
    const out = (await sample(input)) as { candidates: string[]; count?: number; candidatesKey?: string };
    if (out.count !== undefined && out.candidatesKey && out.candidates.length < out.count)
      out.candidates = await getJson<string[]>(ctx.store, out.candidatesKey);
    return out as JsonValue;
  };
}

/** A search whose execution ended failed; state.json has the same failure. */
export class SearchFailedError extends Error {
  constructor(
    readonly searchId: string,
    readonly failure: SearchFailure | undefined,
  ) {
    super(
      `search ${searchId} failed${failure ? `: ${failure.error}: ${failure.message}` : ''} (status "failed" in state.json)`,
    );
    this.name = 'SearchFailedError';
  }
}

export interface RunOptions {
  definition?: LocalDefinition;
  /**
   * Replaces the in-process handler of some steps (e.g. trainChild on a worker pool). These bound
   * their own time: the function timeouts apply to the in-process handlers only.
   */
  handlers?: Partial<Record<StepName, LocalHandler>>;
  onEvent?: (e: EventLog) => void;
}

export interface LocalExecution {
  /** Output of the last execution (the one that ran Finalize, or was stopped). */
  output: JsonValue;
  /** Events over all executions. */
  events: number;
  /** One entry per execution: continue-as-new starts a fresh one every few iterations. */
  executions: { input: { searchId: string; iteration?: number }; events: number }[];
}

/**
 * Run the search loop for a stored search. Where the definition continues as new (a
 * StartExecution of itself), the override records the request and a fresh local execution
 * starts once the current one has ended, exactly as Step Functions would run it.
 */
export async function runLocalExecution(
  ctx: StepContext,
  searchId: string,
  options: RunOptions = {},
): Promise<LocalExecution> {
  const def = options.definition ?? loopDefinition();
  const machine = new StateMachine(withoutDefaultTimeouts(inlineDistributedMaps(def.definition)) as never, {
    validationOptions: { checkArn: false },
  });
  const base = { ...localHandlers(ctx), ...options.handlers };
  const handlers = taskOverrides(
    def,
    { ...base, sampleCandidates: withFullList(ctx, base.sampleCandidates) },
    new Set(Object.keys(options.handlers ?? {})),
  );
  let next: { searchId: string; iteration?: number } | undefined = { searchId };
  const executions: LocalExecution['executions'] = [];
  let output: JsonValue = null;
  let total = 0;
  while (next) {
    const input: { searchId: string; iteration?: number } = next;
    next = undefined;
    const continueAsNew: Record<string, LocalHandler> = {};
    for (const t of def.continueAsNew)
      continueAsNew[t] = async (params) => {
        const p = params as { Input?: { searchId: string; iteration: number } };
        if (!p.Input) throw new Error(`${t}: StartExecution without Input`);
        next = { searchId: p.Input.searchId, iteration: p.Input.iteration };
        return {};
      };
    const exec = machine.run(input as JsonValue, {
      overrides: {
        taskResourceLocalHandlers: { ...handlers, ...continueAsNew },
        retryIntervalOverrides: Object.fromEntries(
          [...Object.keys(def.tasks), ...def.continueAsNew].map((t) => [t, 0]),
        ),
      },
    });
    let events = 0;
    const drain = (async () => {
      for await (const e of exec.eventLogs) {
        events++;
        options.onEvent?.(e as EventLog);
      }
    })();
    try {
      output = await exec.result;
    } catch (e) {
      await drain.catch(() => undefined);
      // What the cloud's execution-ended rule does: a timed-out execution ran no Catch, and a
      // failure outside one (MarkFailed itself failing) wrote nothing; MarkFailed keeps an earlier cause.
      const timedOut = e instanceof ExecutionTimeoutError;
      const marked = await markFailed(ctx, {
        searchId: input.searchId,
        error: timedOut ? 'States.Timeout' : (e as Error).name,
        cause: timedOut
          ? `execution timed out after ${def.definition.TimeoutSeconds} s`
          : (e as Error).message,
      });
      throw new SearchFailedError(input.searchId, marked.failure);
    }
    await drain;
    total += events;
    executions.push({ input, events });
  }
  return { output, events: total, executions };
}
