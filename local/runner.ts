// Runs the synthesized state machine with aws-local-stepfunctions, every Task overridden by
// the real handler called in-process against the given store.
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import type { StepContext } from '../core/engine/steps.js';
import type { HandlerName } from '../infra/handlers.js';
import { stepHandler } from '../lambdas/lib/step-handler.js';
import { STEPS, type StepName } from '../lambdas/lib/steps-table.js';
import { type LocalDefinition, localDefinition } from './definition.js';

type JsonValue = Parameters<StateMachine['run']>[0];
export type LocalHandler = (input: JsonValue) => Promise<JsonValue>;
type EventLog = { type: string; state?: { name: string } };

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

/** Overrides for every Task state; throws if one has no local handler. */
export function taskOverrides(def: LocalDefinition, handlers: Record<string, LocalHandler>) {
  const overrides: Record<string, LocalHandler> = {};
  for (const [state, handler] of Object.entries(def.tasks) as [string, HandlerName][]) {
    const h = handlers[handler];
    if (!h) throw new Error(`no local handler for Task ${state} (${handler})`);
    overrides[state] = h;
  }
  return overrides;
}

let cachedDefinition: LocalDefinition | undefined;

export interface RunOptions {
  definition?: LocalDefinition;
  /** Replaces the in-process handler of some steps (e.g. trainChild on a worker pool). */
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
  cachedDefinition ??= options.definition ?? localDefinition();
  const def = options.definition ?? cachedDefinition;
  const machine = new StateMachine(def.definition as never, {
    validationOptions: { checkArn: false },
  });
  const handlers = taskOverrides(def, { ...localHandlers(ctx), ...options.handlers });
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
    output = await exec.result;
    await drain;
    total += events;
    executions.push({ input, events });
  }
  return { output, events: total, executions };
}
