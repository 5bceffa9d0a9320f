// The search loop (infra/README.md), JSONPath only. Payloads carry ids and keys, never data.
import { Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  type IChainable,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  Result,
  S3JsonItemReader,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { LOOP_LIMITS } from '../core/engine/limits.js';

export interface SearchLoopFunctions {
  init: IFunction;
  sampleCandidates: IFunction;
  simulateAccelerator: IFunction;
  trainChild: IFunction;
  updatePolicy: IFunction;
  finalize: IFunction;
  supernetChunk: IFunction;
  markFailed: IFunction;
}

/** State names: the local runner's overrides and the tests refer to these. */
export const STATE = {
  init: 'Init',
  supernetLoop: 'Supernet?',
  supernet: 'SupernetChunk',
  loop: 'Continue?',
  continueAsNew: 'ContinueAsNew',
  continued: 'ContinuedAsNew',
  sample: 'SampleCandidates',
  large: 'LargeBatch?',
  map: 'EvaluateCandidates',
  noChildren: 'NoChildSummaries',
  distributedMap: 'EvaluateCandidatesAtScale',
  simulate: 'SimulateAccelerator',
  feasible: 'Feasible?',
  train: 'TrainChild',
  trainMore: 'ChildDone?',
  trained: 'Trained',
  infeasible: 'Infeasible',
  childFailed: 'ChildFailed',
  update: 'UpdatePolicy',
  finalize: 'Finalize',
  done: 'Done',
  markFailed: 'MarkFailed',
  failed: 'Failed',
} as const;

/** The per-candidate states inside the Distributed Map carry this suffix (names are unique per machine). */
export const AT_SCALE_SUFFIX = 'AtScale';

/**
 * Reserved concurrency of the per-child functions (SimulateAccelerator, TrainChild), shared by
 * every search of the stack. A search alone never asks for more; several searches together may,
 * and are then throttled, which THROTTLE_RETRY waits out.
 */
export const CHILD_CONCURRENCY = 100;
/** Inline Map concurrency (Step Functions runs at most 40 inline iterations at once). */
export const MAP_MAX_CONCURRENCY = 40;
/** Distributed Map child executions at once: one search may use the whole child pool, not more. */
export const DISTRIBUTED_MAX_CONCURRENCY = CHILD_CONCURRENCY;
/** The longest a child function runs (TrainChild's timeout). */
export const CHILD_TIMEOUT_SECONDS = LOOP_LIMITS.trainChildTimeoutSeconds;

/**
 * Throttles (no concurrency left) are waited out, with full jitter so retries of many children
 * spread out: 5, 10, ... up to 300 s between tries, 12 retries, about 35 minutes in all. That
 * is more than twice the longest child, so a throttled child gets a slot once the children that
 * hold the pool finish; only then is it recorded as Throttled (core/engine/fail.ts).
 */
export const THROTTLE_RETRY = {
  intervalSeconds: 5,
  backoffRate: 2,
  maxDelaySeconds: 300,
  maxAttempts: 12,
} as const;

/** Worst-case seconds THROTTLE_RETRY waits before giving up (jitter only shortens it). */
export function retryWindowSeconds(r: {
  intervalSeconds: number;
  backoffRate: number;
  maxDelaySeconds: number;
  maxAttempts: number;
}): number {
  let total = 0;
  for (let k = 0; k < r.maxAttempts; k++)
    total += Math.min(r.maxDelaySeconds, r.intervalSeconds * r.backoffRate ** k);
  return total;
}
/** Batches larger than this go through the Distributed Map, reading the candidate list from S3. */
export const INLINE_MAP_MAX_ITEMS = LOOP_LIMITS.inlineMapMaxItems;
/** A fresh execution every this many iterations keeps each history far below 25,000 events. */
export const ITERATIONS_PER_EXECUTION = LOOP_LIMITS.iterationsPerExecution;

export const STATE_MACHINE_NAME_SUFFIX = 'search-loop';

export interface SearchStateMachineProps extends SearchLoopFunctions {
  bucket: IBucket;
  /** Longest one execution may run (each covers at most ITERATIONS_PER_EXECUTION iterations). */
  executionTimeout: Duration;
}

/** The error a failed execution ends with; the cause itself is in state.json (MarkFailed). */
export const SEARCH_FAILED_ERROR = 'SearchFailed';

export class SearchStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: SearchStateMachineProps) {
    super(scope, id);
    const fns = props;
    const invoke = (name: string, fn: IFunction, payload: Record<string, unknown>) => {
      const task = LambdaInvoke.jsonPath(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      });
      // Throttles first (the first matching retrier applies), then Lambda service hiccups;
      // handler errors are not retried.
      task.addRetry({
        errors: ['Lambda.TooManyRequestsException'],
        interval: Duration.seconds(THROTTLE_RETRY.intervalSeconds),
        backoffRate: THROTTLE_RETRY.backoffRate,
        maxDelay: Duration.seconds(THROTTLE_RETRY.maxDelaySeconds),
        maxAttempts: THROTTLE_RETRY.maxAttempts,
        jitterStrategy: JitterType.FULL,
      });
      task.addRetry({
        errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
      });
      return task;
    };

    // The per-candidate chain; built twice (inline and distributed) since state names are unique.
    const perCandidate = (suffix: string): IChainable => {
      const simulate = invoke(`${STATE.simulate}${suffix}`, fns.simulateAccelerator, {
        'searchId.$': '$.searchId',
        'iteration.$': '$.iteration',
        'cid.$': '$.cid',
      });
      const train = invoke(`${STATE.train}${suffix}`, fns.trainChild, {
        'searchId.$': '$.searchId',
        'iteration.$': '$.iteration',
        'cid.$': '$.cid',
      });
      const infeasible = new Pass(this, `${STATE.infeasible}${suffix}`, {
        parameters: { 'cid.$': '$.cid', status: 'infeasible' },
      });
      // A failing child is recorded, not fatal: UpdatePolicy sees it and the search goes on.
      // The whole caught error is kept (Error and Cause): UpdatePolicy turns it into the child's
      // reason, message and key included (lambdas/lib/events.ts).
      const childFailed = new Pass(this, `${STATE.childFailed}${suffix}`, {
        parameters: {
          'cid.$': '$.cid',
          status: 'failed',
          'error.$': '$.error.Error',
          'failure.$': '$.error',
        },
      });
      simulate.addCatch(childFailed, { resultPath: '$.error' });
      train.addCatch(childFailed, { resultPath: '$.error' });
      // A long child trains one chunk per invocation (training.stepsPerChunk) until it is done.
      train.next(
        new Choice(this, `${STATE.trainMore}${suffix}`)
          .when(Condition.and(Condition.isPresent('$.done'), Condition.booleanEquals('$.done', false)), train)
          .otherwise(new Pass(this, `${STATE.trained}${suffix}`)),
      );
      return simulate.next(
        new Choice(this, `${STATE.feasible}${suffix}`)
          .when(Condition.booleanEquals('$.feasible', true), train)
          .otherwise(infeasible),
      );
    };
    const itemSelector = {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
      'cid.$': '$$.Map.Item.Value',
    };

    const init = invoke(STATE.init, fns.init, { 'searchId.$': '$.searchId' });
    const sample = invoke(STATE.sample, fns.sampleCandidates, {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
    });
    const map = MapState.jsonPath(this, STATE.map, {
      itemsPath: '$.candidates',
      itemSelector,
      maxConcurrency: MAP_MAX_CONCURRENCY,
      resultPath: '$.children',
    });
    map.itemProcessor(perCandidate(''));

    // Thousands of children: each is its own child execution (own history), the list comes from S3,
    // and the per-child summaries are not collected: UpdatePolicy reads the metric objects instead.
    const noChildren = new Pass(this, STATE.noChildren, {
      result: Result.fromArray([]),
      resultPath: '$.children',
    });
    const distributed = DistributedMap.jsonPath(this, STATE.distributedMap, {
      itemReader: new S3JsonItemReader({ bucket: props.bucket, key: JsonPath.stringAt('$.candidatesKey') }),
      itemSelector,
      maxConcurrency: DISTRIBUTED_MAX_CONCURRENCY,
      mapExecutionType: StateMachineType.STANDARD,
      toleratedFailurePercentage: 100,
      resultPath: JsonPath.DISCARD,
    });
    distributed.itemProcessor(perCandidate(AT_SCALE_SUFFIX));

    const update = invoke(STATE.update, fns.updatePolicy, {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
      'children.$': '$.children',
    });
    const finalize = invoke(STATE.finalize, fns.finalize, { 'searchId.$': '$.searchId' });

    // Every way out of the loop that is not Finalize goes through MarkFailed: state.json says
    // "failed" with the cause, then the execution fails (so the alarms see it). Should MarkFailed
    // itself fail, the execution still fails; the EventBridge rule of the stack marks it then.
    const failed = new Fail(this, STATE.failed, {
      error: SEARCH_FAILED_ERROR,
      cause: 'The search failed; GET /searches/{id} (state.json) has the cause',
    });
    const markFailed = invoke(STATE.markFailed, fns.markFailed, {
      'searchId.$': '$.searchId',
      'error.$': '$.error',
    });
    markFailed.addCatch(failed, { resultPath: '$.markFailedError' });
    markFailed.next(failed);
    const failsTo = (state: { addCatch(h: IChainable, p: { resultPath: string }): unknown }) =>
      state.addCatch(markFailed, { resultPath: '$.error' });

    // Continue-as-new: a fresh execution of this machine carrying only the search id and iteration.
    // Its ARN is built from the fixed name (a machine cannot reference its own ARN token).
    const stateMachineName = `${Stack.of(this).stackName}-${STATE_MACHINE_NAME_SUFFIX}`;
    const self = StateMachine.fromStateMachineName(this, 'Self', stateMachineName);
    const continueAsNew = StepFunctionsStartExecution.jsonPath(this, STATE.continueAsNew, {
      stateMachine: self,
      name: JsonPath.format('{}-i{}', JsonPath.stringAt('$.searchId'), JsonPath.stringAt('$.iteration')),
      input: TaskInput.fromObject({ 'searchId.$': '$.searchId', 'iteration.$': '$.iteration' }),
      resultPath: JsonPath.DISCARD,
    });
    const continued = new Succeed(this, STATE.continued);
    continueAsNew.addRetry({
      errors: ['StepFunctions.SdkClientException', 'StepFunctions.ServiceUnavailableException'],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 6,
    });
    // A retried start finds the execution already there: the loop has continued.
    continueAsNew.addCatch(continued, { errors: ['StepFunctions.ExecutionAlreadyExistsException'] });
    for (const s of [init, sample, map, distributed, update, finalize, continueAsNew]) failsTo(s);

    const loop = new Choice(this, STATE.loop)
      .when(Condition.booleanEquals('$.done', true), finalize.next(new Succeed(this, STATE.done)))
      .when(
        Condition.and(Condition.isPresent('$.checkpoint'), Condition.booleanEquals('$.checkpoint', true)),
        continueAsNew.next(continued),
      )
      .otherwise(
        sample.next(
          new Choice(this, STATE.large)
            .when(
              Condition.and(
                Condition.isPresent('$.count'),
                Condition.numberGreaterThan('$.count', INLINE_MAP_MAX_ITEMS),
              ),
              noChildren.next(distributed).next(update),
            )
            .otherwise(map.next(update)),
        ),
      );
    update.next(loop);

    // AutoHAS: the supernet trains one chunk per invocation until done, then the loop retrains
    // its top-k. Multi-trial searches pass straight through (Init's output has no `supernet`).
    const supernet = invoke(STATE.supernet, fns.supernetChunk, { 'searchId.$': '$.searchId' });
    const supernetLoop = new Choice(this, STATE.supernetLoop)
      .when(
        Condition.and(Condition.isPresent('$.supernet'), Condition.booleanEquals('$.supernet', true)),
        supernet,
      )
      .otherwise(loop);
    supernet.next(supernetLoop);
    failsTo(supernet);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: DefinitionBody.fromChainable(init.next(supernetLoop)),
      stateMachineType: StateMachineType.STANDARD,
      timeout: props.executionTimeout,
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });
  }
}
