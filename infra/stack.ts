// The cosearch stack: one bucket, the loop's functions, the state machine and an IAM-authorized API.

import { CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { TRAINER_BACKEND, TRAINER_LAMBDA } from '../core/training/backends.js';
import { API_STAGE, ROUTES } from '../lambdas/lib/routes.js';
import { readContext, type StackConfig } from './config.js';
import { CosearchFunction, type CosearchFunctionProps } from './function-defaults.js';
import { CHILD_CONCURRENCY, CHILD_TIMEOUT_SECONDS, SearchStateMachine } from './state-machine.js';

export class CosearchStack extends Stack {
  readonly bucket: Bucket;
  readonly loop: SearchStateMachine;
  readonly api: RestApi;
  readonly config: StackConfig;
  readonly alarms: Alarm[] = [];
  alarmTopic!: Topic;
  /** The loop's functions, which the state machine invokes. */
  readonly loopFunctions: IFunction[];

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.config = readContext(this.node);
    const { config } = this;

    // Server access logs for the searches bucket; the log bucket itself cannot log to itself.
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.bucket = new Bucket(this, 'Searches', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'searches/',
      lifecycleRules: [
        {
          // Old searches go away after the retention period; a kept result should be copied out.
          id: 'expire-old-searches',
          prefix: 'searches/',
          expiration: Duration.days(config.retentionDays),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(2),
        },
        // The API's search index and idempotency records go with the searches they name.
        ...['index/', 'idempotency/'].map((p) => ({
          id: `expire-${p.slice(0, -1)}`,
          prefix: p,
          expiration: Duration.days(config.retentionDays),
          noncurrentVersionExpiration: Duration.days(7),
        })),
        { id: 'expire-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    // Every function prices with the backend the deployed TrainChild really runs (stop caps, results, API).
    const env = {
      COSEARCH_STORE: `s3://${this.bucket.bucketName}`,
      COSEARCH_TRAINER_BACKEND: TRAINER_BACKEND[config.trainer],
    };
    const datasetEnv = { COSEARCH_DATASET_BUCKETS: config.datasetBuckets.join(',') };

    const fn = (
      id: string,
      handler: CosearchFunctionProps['handler'],
      extra: Partial<CosearchFunctionProps> = {},
    ) => new CosearchFunction(this, id, { handler, environment: env, ...extra }).fn;
    // The trainers' size and kernel threads come from the one place the cost model prices them.
    const trainer = {
      memorySize: TRAINER_LAMBDA.memoryMB,
      environment: { ...env, COSEARCH_THREADS: String(TRAINER_LAMBDA.threads) },
    };
    const fns = {
      init: fn('Init', 'init', { memorySize: 1024, withData: true, reservedConcurrentExecutions: 10 }),
      sampleCandidates: fn('SampleCandidates', 'sampleCandidates', { reservedConcurrentExecutions: 10 }),
      simulateAccelerator: fn('SimulateAccelerator', 'simulateAccelerator', {
        memorySize: 1024,
        reservedConcurrentExecutions: CHILD_CONCURRENCY,
      }),
      trainChild: fn('TrainChild', 'trainChild', {
        ...trainer,
        timeout: Duration.seconds(CHILD_TIMEOUT_SECONDS),
        withData: true,
        image: config.trainer === 'image',
        reservedConcurrentExecutions: CHILD_CONCURRENCY,
      }),
      updatePolicy: fn('UpdatePolicy', 'updatePolicy', { reservedConcurrentExecutions: 10 }),
      finalize: fn('Finalize', 'finalize', { memorySize: 1024, reservedConcurrentExecutions: 10 }),
      // AutoHAS: one supernet chunk per invocation, on the trainer's runtime (native tfjs in the image).
      supernetChunk: fn('SupernetChunk', 'supernetChunk', {
        ...trainer,
        timeout: Duration.minutes(15),
        withData: true,
        image: config.trainer === 'image',
        reservedConcurrentExecutions: 10,
      }),
      // The loop's way out on failure; also the target of the execution-ended rule below.
      markFailed: fn('MarkFailed', 'markFailed', { reservedConcurrentExecutions: 10 }),
    };
    this.loopFunctions = Object.values(fns);
    // Least privilege, written out instead of Bucket.grantRead/grantPut (which add s3:List*,
    // s3:GetBucket*, s3:Abort*, object tagging, legal hold and retention): the Store does
    // GetObject, PutObject (conditional for put-if-absent), ListBucket and, for a child's
    // checkpoint, DeleteObject, and nothing else.
    const prefix = 'searches/*';
    for (const f of Object.values(fns)) this.grantStore(f, ['s3:GetObject', 's3:PutObject'], [prefix]);
    // Chunked training replaces its checkpoint blob and deletes the old one.
    this.grantStore(fns.trainChild, ['s3:DeleteObject'], [prefix]);
    // Allowed dataset buckets are read by the steps that load data (Init, TrainChild, SupernetChunk) only.
    const loaders = [fns.init, fns.trainChild, fns.supernetChunk];
    for (const name of config.datasetBuckets)
      for (const f of loaders)
        f.addToRolePolicy(
          new PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [`arn:${this.partition}:s3:::${name}/*`],
          }),
        );
    // Datasets uploaded to the stack's own bucket live under datasets/ (checked at POST).
    for (const f of loaders) this.grantStore(f, ['s3:GetObject'], ['datasets/*']);
    this.loop = new SearchStateMachine(this, 'Loop', {
      ...fns,
      bucket: this.bucket,
      executionTimeout: Duration.hours(config.executionTimeoutHours),
    });
    // A timed-out execution runs no Catch, and a MarkFailed that failed wrote nothing: the
    // status-change event marks the search failed then (MarkFailed keeps an earlier cause).
    new Rule(this, 'ExecutionEnded', {
      description: 'Mark a search failed when its execution times out or fails outside a Catch',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['TIMED_OUT', 'FAILED'],
          stateMachineArn: [this.loop.stateMachine.stateMachineArn],
        },
      },
      targets: [new LambdaFunction(fns.markFailed, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });

    // Tenancy (infra/README.md): callers see their own searches; these principals see all.
    const adminPrincipals = new CfnParameter(this, 'AdminPrincipalArns', {
      type: 'String',
      default: '',
      description:
        'Comma-separated IAM principal ARNs (users, roles) that may list, read and stop every search; others see their own',
      allowedPattern:
        '^$|^arn:aws[a-z-]*:(iam|sts)::\\d{12}:[^,]+(,arn:aws[a-z-]*:(iam|sts)::\\d{12}:[^,]+)*$',
    });
    const apiFn = new CosearchFunction(this, 'Api', {
      handler: 'api',
      environment: {
        ...env,
        ...datasetEnv,
        COSEARCH_STATE_MACHINE_ARN: this.loop.stateMachine.stateMachineArn,
        COSEARCH_ADMIN_PRINCIPALS: adminPrincipals.valueAsString,
      },
      reservedConcurrentExecutions: 20,
      bundleAwsSdk: true,
    }).fn;
    // The API also keeps the search index, the owners' indexes and the idempotency records.
    this.grantStore(apiFn, ['s3:GetObject', 's3:PutObject'], [prefix, 'index/*', 'idempotency/*']);
    this.loop.stateMachine.grantStartExecution(apiFn);
    // The hard fallback of POST /searches/{id}/stop?force=true: find and stop the running executions.
    this.loop.stateMachine.grant(apiFn, 'states:ListExecutions');
    this.loop.stateMachine.grantExecution(apiFn, 'states:StopExecution');
    // A replayed POST asks whether the search's execution exists before starting it.
    this.loop.stateMachine.grantExecution(apiFn, 'states:DescribeExecution');

    const accessLog = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new RestApi(this, 'SearchApi', {
      description: 'cosearch REST API (IAM-authorized)',
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: API_STAGE,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLog),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
      },
    });
    // Gateway-level request validation (no body model: bodies are validated by zod in the handler,
    // which names the failing field).
    const validator = new RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integration = new LambdaIntegration(apiFn);
    const options = { requestValidator: validator };
    // Every route of the one table (lambdas/lib/routes.ts), all to the one handler.
    for (const r of ROUTES)
      this.api.root.resourceForPath(r.resource).addMethod(r.method, integration, options);

    this.addAlarms([...Object.values(fns), apiFn]);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: this.loop.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /**
   * Object actions on some prefixes of the stack's bucket, and ListBucket on the bucket: listing
   * is how the Store pages, and without it S3 answers a missing key with 403 instead of 404.
   */
  private grantStore(fn: IFunction, actions: string[], prefixes: string[]) {
    fn.addToRolePolicy(
      new PolicyStatement({ actions, resources: prefixes.map((p) => this.bucket.arnForObjects(p)) }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
  }

  private addAlarms(functions: IFunction[]) {
    const sm = this.loop.stateMachine;
    const period = Duration.minutes(5);
    const alarm = (id: string, metric: ReturnType<typeof sm.metricFailed>, description: string) => {
      const a = new Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      this.alarms.push(a);
      return a;
    };
    alarm('ExecutionsFailed', sm.metricFailed({ period }), 'A search execution failed');
    alarm('ExecutionsTimedOut', sm.metricTimedOut({ period }), 'A search execution timed out');
    alarm('ExecutionsAborted', sm.metricAborted({ period }), 'A search execution was aborted');
    for (const f of functions)
      alarm(
        `${f.node.scope?.node.id ?? f.node.id}Errors`,
        f.metricErrors({ period }),
        `Lambda ${f.node.scope?.node.id} reported errors`,
      );
    // Every alarm notifies the stack's topic; subscribe more endpoints to it as needed.
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'cosearch alarms',
      enforceSSL: true,
    });
    if (this.config.alarmEmail)
      this.alarmTopic.addSubscription(new EmailSubscription(this.config.alarmEmail));
    const action = new SnsAction(this.alarmTopic);
    for (const a of this.alarms) a.addAlarmAction(action);
  }
}
