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
  output: JsonValue;
  events: number;
}

/** Run one execution of the search loop for a stored search. */
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
  const exec = machine.run(
    { searchId },
    {
      overrides: {
        taskResourceLocalHandlers: taskOverrides(def, { ...localHandlers(ctx), ...options.handlers }),
        retryIntervalOverrides: Object.fromEntries(Object.keys(def.tasks).map((t) => [t, 0])),
      },
    },
  );
  let events = 0;
  const drain = (async () => {
    for await (const e of exec.eventLogs) {
      events++;
      options.onEvent?.(e as EventLog);
    }
  })();
  const output = await exec.result;
  await drain;
  return { output, events };
}
