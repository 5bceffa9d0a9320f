// The state machine exactly as the CDK app synthesizes it, with its intrinsic functions
// resolved into local names, and a map from each Task state to the handler it invokes.
import { App } from 'aws-cdk-lib';
import { buildApp, STACK_NAME } from '../infra/build.js';
import { HANDLER_METADATA_KEY, type HandlerName } from '../infra/handlers.js';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
/** What Lambda gives a function whose template sets no Timeout. */
export const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface CfnTemplate {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, Json>; Metadata?: Record<string, Json> }
  >;
}

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, Record<string, Json>>;
  [k: string]: Json;
}

export interface LocalDefinition {
  template: CfnTemplate;
  stateMachineLogicalId: string;
  definition: StateMachineDefinition;
  /** Task state name -> handler name, for every Lambda Task in the definition (Map bodies included). */
  tasks: Record<string, HandlerName>;
  /** Task states that start a fresh execution of the loop (continue-as-new). */
  continueAsNew: string[];
  /**
   * Lambda Task state name -> its function's timeout in seconds: what bounds the Task in the
   * cloud, where the definition sets no TimeoutSeconds (the local runtime would apply 60 s).
   */
  timeouts: Record<string, number>;
}

/** The Step Functions integration the continue-as-new Task uses. */
export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';

/** Synthesize the app in-process. Bundling is skipped: the local runner calls the handlers directly. */
export function synthTemplate(): CfnTemplate {
  // cdk-nag is off here: the runner only needs the definition (the infra tests run the checks).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], 'cosearch:nag': false } });
  buildApp(app);
  return app.synth().getStackByName(STACK_NAME).template as CfnTemplate;
}

export function lambdaArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/** Resolve Fn::Join / Fn::GetAtt / Ref into strings naming the template's own resources. */
export function resolveIntrinsics(value: Json): Json {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const arg = value[k]!;
    if (k === 'Fn::Join') {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p) => String(resolveIntrinsics(p))).join(sep);
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = arg as [string, string];
      if (attr !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${id}.${attr} locally`);
      return lambdaArn(id);
    }
    if (k === 'Ref') {
      const ref = arg as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return LOCAL_REGION;
      if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      return ref;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(value[k]!)]));
}

export function walkStates(
  states: Record<string, Record<string, Json>>,
  visit: (name: string, s: Record<string, Json>) => void,
) {
  for (const [name, s] of Object.entries(states)) {
    visit(name, s);
    const body = (s.ItemProcessor ?? s.Iterator) as
      | { States?: Record<string, Record<string, Json>> }
      | undefined;
    if (body?.States) walkStates(body.States, visit);
    for (const b of (s.Branches as { States: Record<string, Record<string, Json>> }[] | undefined) ?? [])
      walkStates(b.States, visit);
  }
}

export function taskStates(def: StateMachineDefinition): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  walkStates(def.States, (name, s) => {
    if (s.Type === 'Task') out[name] = s;
  });
  return out;
}

export function localDefinition(template: CfnTemplate = synthTemplate()): LocalDefinition {
  const machines = Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const [stateMachineLogicalId, sm] = machines[0]!;
  const text = resolveIntrinsics(sm.Properties!.DefinitionString!);
  if (typeof text !== 'string') throw new Error('DefinitionString did not resolve to a string');
  const definition = JSON.parse(text) as StateMachineDefinition;
  const handlerByArn = new Map<string, { handler: HandlerName; timeout: number }>();
  for (const [id, r] of Object.entries(template.Resources)) {
    const h = r.Metadata?.[HANDLER_METADATA_KEY];
    if (r.Type !== 'AWS::Lambda::Function' || typeof h !== 'string') continue;
    const timeout = r.Properties?.Timeout;
    // Lambda's own default when a function names none.
    handlerByArn.set(lambdaArn(id), {
      handler: h as HandlerName,
      timeout: typeof timeout === 'number' ? timeout : LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    });
  }
  const tasks: Record<string, HandlerName> = {};
  const timeouts: Record<string, number> = {};
  const continueAsNew: string[] = [];
  for (const [name, s] of Object.entries(taskStates(definition))) {
    if (s.Resource === START_EXECUTION_RESOURCE) {
      continueAsNew.push(name);
      continue;
    }
    const h = handlerByArn.get(String(s.Resource));
    if (!h) throw new Error(`Task ${name} invokes ${String(s.Resource)}, which is no cosearch handler`);
    tasks[name] = h.handler;
    timeouts[name] = h.timeout;
  }
  return { template, stateMachineLogicalId, definition, tasks, continueAsNew, timeouts };
}
