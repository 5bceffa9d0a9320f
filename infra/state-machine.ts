// The search loop of ARCHITECTURE.md, JSONPath only. Payloads carry ids and keys, never data.
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export interface SearchLoopFunctions {
  init: IFunction;
  sampleCandidates: IFunction;
  simulateAccelerator: IFunction;
  trainChild: IFunction;
  updatePolicy: IFunction;
  finalize: IFunction;
}

/** State names: the local runner's overrides and the tests refer to these. */
export const STATE = {
  init: 'Init',
  loop: 'Continue?',
  sample: 'SampleCandidates',
  map: 'EvaluateCandidates',
  simulate: 'SimulateAccelerator',
  feasible: 'Feasible?',
  train: 'TrainChild',
  infeasible: 'Infeasible',
  childFailed: 'ChildFailed',
  update: 'UpdatePolicy',
  finalize: 'Finalize',
  done: 'Done',
} as const;

export const MAP_MAX_CONCURRENCY = 40;

export class SearchStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, fns: SearchLoopFunctions) {
    super(scope, id);
    const invoke = (name: string, fn: IFunction, payload: Record<string, unknown>) => {
      const task = LambdaInvoke.jsonPath(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      });
      // Lambda service hiccups are retried with backoff; handler errors are not retried here.
      task.addRetry({
        errors: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
      });
      return task;
    };

    const init = invoke(STATE.init, fns.init, { 'searchId.$': '$.searchId' });
    const sample = invoke(STATE.sample, fns.sampleCandidates, {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
    });
    const simulate = invoke(STATE.simulate, fns.simulateAccelerator, {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
      'cid.$': '$.cid',
    });
    const train = invoke(STATE.train, fns.trainChild, {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
      'cid.$': '$.cid',
    });
    const infeasible = new Pass(this, STATE.infeasible, {
      parameters: { 'cid.$': '$.cid', status: 'infeasible' },
    });
    // A failing child is recorded, not fatal: UpdatePolicy sees it and the search goes on.
    const childFailed = new Pass(this, STATE.childFailed, {
      parameters: { 'cid.$': '$.cid', status: 'failed', 'error.$': '$.error.Error' },
    });
    const perCandidate = simulate.next(
      new Choice(this, STATE.feasible)
        .when(Condition.booleanEquals('$.feasible', true), train)
        .otherwise(infeasible),
    );
    simulate.addCatch(childFailed, { resultPath: '$.error' });
    train.addCatch(childFailed, { resultPath: '$.error' });

    const map = MapState.jsonPath(this, STATE.map, {
      itemsPath: '$.candidates',
      itemSelector: {
        'searchId.$': '$.searchId',
        'iteration.$': '$.iteration',
        'cid.$': '$$.Map.Item.Value',
      },
      maxConcurrency: MAP_MAX_CONCURRENCY,
      resultPath: '$.children',
    });
    map.itemProcessor(perCandidate);

    const update = invoke(STATE.update, fns.updatePolicy, {
      'searchId.$': '$.searchId',
      'iteration.$': '$.iteration',
      'children.$': '$.children',
    });
    const finalize = invoke(STATE.finalize, fns.finalize, { 'searchId.$': '$.searchId' });
    const loop = new Choice(this, STATE.loop)
      .when(Condition.booleanEquals('$.done', true), finalize.next(new Succeed(this, STATE.done)))
      .otherwise(sample.next(map).next(update));
    update.next(loop);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(init.next(loop)),
      stateMachineType: StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
  }
}
