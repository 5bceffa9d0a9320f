// The synthesized stack, checked on its template: one synth per trainer form, cdk-nag on both.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_PROFILE } from '../../core/cost/model.js';
import { LOOP_LIMITS } from '../../core/engine/limits.js';
import { TRAINER_BACKEND, TRAINER_LAMBDA } from '../../core/training/backends.js';
import { buildApp, STACK_NAME } from '../../infra/build.js';
import { parseConfig } from '../../infra/config.js';
import { LAMBDA_DATA_DIR, MAX_RESERVED_CONCURRENCY } from '../../infra/function-defaults.js';
import { HANDLERS } from '../../infra/handlers.js';
import { suppressNagFindings } from '../../infra/nag.js';
import {
  CHILD_CONCURRENCY,
  CHILD_TIMEOUT_SECONDS,
  DISTRIBUTED_MAX_CONCURRENCY,
  INLINE_MAP_MAX_ITEMS,
  MAP_MAX_CONCURRENCY,
  retryWindowSeconds,
  STATE,
  THROTTLE_RETRY,
} from '../../infra/state-machine.js';
import { ROUTES } from '../../lambdas/lib/routes.js';
import { type CfnTemplate, localDefinition, type StateMachineDefinition } from '../../local/definition.js';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (
  def: unknown,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

interface NagReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations: { ruleName: string; reason: string }[];
  }[];
}

const dirs: string[] = [];
/** Synthesize the whole app (cdk-nag included; it throws on an unacknowledged finding). */
function synth(context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cosearch-cdk-'));
  dirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const { stack } = buildApp(app);
  // The same acknowledgments again, only to learn their ids (acknowledging twice changes nothing).
  const acks = suppressNagFindings(stack, stack.loopFunctions);
  const assembly = app.synth();
  const json = assembly.getStackByName(STACK_NAME).template as CfnTemplate;
  const nag = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as NagReport;
  return { json, template: Template.fromJSON(json as never), nag, acks };
}

let zip: ReturnType<typeof synth>;
let image: ReturnType<typeof synth>;
let definition: StateMachineDefinition;
beforeAll(() => {
  zip = synth();
  image = synth({ 'cosearch:trainer': 'image', 'cosearch:datasetBuckets': 'team-datasets,other-data' });
  definition = localDefinition(zip.json).definition;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const walkStates = (
  states: Record<string, Record<string, unknown>>,
  visit: (name: string, s: Record<string, unknown>) => void,
) => {
  for (const [n, s] of Object.entries(states)) {
    visit(n, s);
    const body = s.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
    if (body) walkStates(body.States, visit);
  }
};

describe('the searches bucket', () => {
  it('is encrypted, private, TLS-only, versioned, access-logged and expires old searches', () => {
    const t = zip.template;
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'searches/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'searches/',
            ExpirationInDays: 180,
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
            Status: 'Enabled',
          }),
        ]),
      },
    });
    for (const p of Object.values(t.findResources('AWS::S3::BucketPolicy')))
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    expect(Object.keys(t.findResources('AWS::S3::BucketPolicy'))).toHaveLength(2);
  });
});

describe('functions', () => {
  it('run on nodejs22.x arm64 with a retained log group and bounded reserved concurrency', () => {
    const ours = Object.values(zip.template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Metadata?.['cosearch:handler'],
    );
    expect(ours).toHaveLength(Object.keys(HANDLERS).length);
    for (const f of ours) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.LoggingConfig?.LogGroup).toBeDefined();
      expect(f.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(f.Properties.ReservedConcurrentExecutions).toBeLessThanOrEqual(MAX_RESERVED_CONCURRENCY);
    }
    for (const g of Object.values(zip.template.findResources('AWS::Logs::LogGroup')))
      expect(g.Properties.RetentionInDays).toBe(30);
  });

  it('trace with X-Ray and log JSON at the INFO application level, in both trainer forms', () => {
    for (const { template } of [zip, image]) {
      const ours = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
        ([, f]) => f.Metadata?.['cosearch:handler'],
      );
      expect(ours).toHaveLength(Object.keys(HANDLERS).length);
      for (const [, f] of ours) {
        expect(f.Properties.TracingConfig).toEqual({ Mode: 'Active' });
        expect(f.Properties.LoggingConfig).toMatchObject({
          LogFormat: 'JSON',
          ApplicationLogLevel: 'INFO',
          SystemLogLevel: 'INFO',
        });
      }
      // Each function's role may write traces: the two X-Ray actions, on "*" (X-Ray has no resource ARNs).
      type Statement = { Action: string | string[]; Resource: unknown };
      const xrayOf = new Map<string, Statement[]>();
      for (const p of Object.values(template.findResources('AWS::IAM::Policy')))
        for (const r of p.Properties.Roles as { Ref: string }[])
          xrayOf.set(r.Ref, [
            ...(xrayOf.get(r.Ref) ?? []),
            ...(p.Properties.PolicyDocument.Statement as Statement[]).filter((st) =>
              [st.Action].flat().some((a) => a.startsWith('xray:')),
            ),
          ]);
      for (const [, f] of ours) {
        const role = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        expect(xrayOf.get(role)?.map((st) => [[st.Action].flat().sort(), st.Resource])).toEqual([
          [['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], '*'],
        ]);
      }
    }
    // The state machine traces too, so a search's trace runs from the execution into each function.
    zip.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
    });
  });

  it('give the data-loading steps the bundled dataset directory', () => {
    const byHandler = Object.fromEntries(
      Object.values(zip.template.findResources('AWS::Lambda::Function')).map((f) => [
        f.Metadata?.['cosearch:handler'],
        f.Properties.Environment.Variables,
      ]),
    );
    expect(byHandler.init.COSEARCH_DATA_DIR).toBe(LAMBDA_DATA_DIR);
    expect(byHandler.trainChild.COSEARCH_DATA_DIR).toBe(LAMBDA_DATA_DIR);
    expect(byHandler.updatePolicy.COSEARCH_DATA_DIR).toBeUndefined();
  });

  it('the image trainer is a container function (x86_64 for tfjs-node); the rest stay zip', () => {
    const fns = Object.values(image.template.findResources('AWS::Lambda::Function'));
    // TrainChild and SupernetChunk share the image; CMD picks each one's bundle (Dockerfile).
    const cmds: Record<string, string[]> = {
      trainChild: ['train-child.handler'],
      supernetChunk: ['supernet-chunk.handler'],
    };
    for (const [handler, cmd] of Object.entries(cmds)) {
      const f = fns.find((x) => x.Metadata?.['cosearch:handler'] === handler)!;
      expect(f.Properties.PackageType).toBe('Image');
      expect(f.Properties.Code.ImageUri).toBeDefined();
      expect(f.Properties.ImageConfig.Command).toEqual(cmd);
      expect(f.Properties.Architectures).toEqual(['x86_64']);
      expect(f.Properties.Environment.Variables.COSEARCH_DATA_DIR).toBe(LAMBDA_DATA_DIR);
    }
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const b of ['train-child', 'supernet-chunk']) expect(dockerfile).toContain(b);
    const zips = fns.filter((f) => f.Metadata?.['cosearch:handler'] && f.Properties.PackageType !== 'Image');
    expect(zips).toHaveLength(Object.keys(HANDLERS).length - 2);
  });

  it('reads only allow-listed dataset buckets, and the API knows the list', () => {
    const api = Object.values(image.template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Metadata?.['cosearch:handler'] === 'api',
    )!;
    expect(api.Properties.Environment.Variables.COSEARCH_DATASET_BUCKETS).toBe('team-datasets,other-data');
    const text = JSON.stringify(image.template.findResources('AWS::IAM::Policy'));
    expect(text).toContain(':s3:::team-datasets/*');
    expect(text).toContain(':s3:::other-data/*');
    expect(JSON.stringify(zip.template.findResources('AWS::IAM::Policy'))).not.toContain('team-datasets');
  });
});

describe('API', () => {
  it('has one method per row of the route table, each authorized with AWS_IAM', () => {
    const methods = Object.values(zip.template.findResources('AWS::ApiGateway::Method'));
    const paths = Object.fromEntries(
      Object.entries(zip.template.findResources('AWS::ApiGateway::Resource')).map(([id, r]) => [
        id,
        r.Properties.PathPart as string,
      ]),
    );
    const got = methods
      .filter((m) => m.Properties.HttpMethod !== 'OPTIONS')
      .map((m) => `${m.Properties.HttpMethod} ${paths[m.Properties.ResourceId.Ref as string]}`);
    // Each route's last path segment, as the stack built it from the table.
    expect(got.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.resource.split('/').pop()}`).sort());
    for (const m of methods)
      if (m.Properties.HttpMethod !== 'OPTIONS') expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('takes the admin principals as a stack parameter and hands them to the API function', () => {
    const param = zip.template.findParameters('AdminPrincipalArns');
    expect(param.AdminPrincipalArns).toMatchObject({ Type: 'String', Default: '' });
    const api = Object.values(zip.template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Metadata?.['cosearch:handler'] === 'api',
    )!;
    expect(api.Properties.Environment.Variables.COSEARCH_ADMIN_PRINCIPALS).toEqual({
      Ref: 'AdminPrincipalArns',
    });
    const pattern = new RegExp(param.AdminPrincipalArns!.AllowedPattern as string);
    expect(pattern.test('')).toBe(true);
    expect(pattern.test('arn:aws:iam::123456789012:role/Admin,arn:aws:iam::123456789012:user/ops')).toBe(
      true,
    );
    expect(pattern.test('alice')).toBe(false);
  });

  it('outputs the API URL and the bucket', () => {
    const outputs = zip.template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'BucketName', 'StateMachineArn']));
  });
});

describe('IAM', () => {
  it('grants the functions only the S3 actions the Store uses', () => {
    const actions = new Set<string>();
    for (const t of [zip, image])
      for (const p of Object.values(t.template.findResources('AWS::IAM::Policy')))
        for (const s of p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
          for (const a of [s.Action].flat()) if (a.startsWith('s3:')) actions.add(a);
    expect([...actions].sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  it('lets the API describe executions (a replayed POST checks before starting)', () => {
    expect(JSON.stringify(zip.template.findResources('AWS::IAM::Policy'))).toContain(
      'states:DescribeExecution',
    );
  });

  it('grants no "*" action on "*" resources', () => {
    for (const p of Object.values(zip.template.findResources('AWS::IAM::Policy'))) {
      for (const s of p.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = [s.Action].flat();
        expect(
          actions.some((a) => a === '*' || a.endsWith(':*')) && JSON.stringify(s.Resource) === '"*"',
        ).toBe(false);
        // What nag.ts acknowledges on Resource "*": X-Ray, and the state machine's log delivery
        // (CloudWatch Logs vended delivery, which takes no resource either). Nothing else.
        if (JSON.stringify(s.Resource) === '"*"')
          for (const a of actions)
            expect(a).toMatch(
              /^(xray:|logs:(\w+LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$)/,
            );
      }
    }
  });
});

describe('state machine', () => {
  it('validates with asl-validator and uses JSONPath only', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/JSONata|\{%/);
    expect(definition.QueryLanguage).toBeUndefined();
    const r = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(r.errorsText('\n')).toBe('');
    expect(r.isValid).toBe(true);
    // And the validator does catch a broken definition.
    const broken = structuredClone(definition);
    (broken.States[STATE.init] as Record<string, unknown>).Next = 'Nowhere';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('evaluates small batches inline and large ones in a Distributed Map reading S3', () => {
    const large = definition.States[STATE.large] as { Choices: Record<string, unknown>[]; Default: string };
    expect(JSON.stringify(large.Choices)).toContain(`"NumericGreaterThan":${INLINE_MAP_MAX_ITEMS}`);
    expect(large.Default).toBe(STATE.map);
    expect(INLINE_MAP_MAX_ITEMS).toBe(LOOP_LIMITS.inlineMapMaxItems);
    const inline = definition.States[STATE.map] as Record<string, unknown>;
    expect(inline.MaxConcurrency).toBe(MAP_MAX_CONCURRENCY);
    expect(inline.ItemReader).toBeUndefined();
    const dist = definition.States[STATE.distributedMap] as {
      ItemReader: Record<string, unknown>;
      ItemProcessor: {
        ProcessorConfig: Record<string, string>;
        States: Record<string, Record<string, unknown>>;
      };
      ResultPath: unknown;
      Next: string;
    };
    expect(dist.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(dist.ItemReader).toMatchObject({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Key.$': '$.candidatesKey' },
    });
    expect(dist.ResultPath).toBeNull();
    expect(dist.Next).toBe(STATE.update);
    // Each child still has its Catch: a failed candidate is recorded, not fatal.
    const tasks = Object.values(dist.ItemProcessor.States).filter((s) => s.Type === 'Task');
    expect(tasks).toHaveLength(2);
    for (const t of tasks) expect(JSON.stringify(t.Catch)).toContain('States.ALL');
  });

  it('runs AutoHAS supernet chunks before the loop, and lets other searches pass straight through', () => {
    expect((definition.States[STATE.init] as { Next: string }).Next).toBe(STATE.supernetLoop);
    const choice = definition.States[STATE.supernetLoop] as {
      Choices: { Next: string; And: Record<string, unknown>[] }[];
      Default: string;
    };
    expect(choice.Choices).toHaveLength(1);
    expect(choice.Choices[0]!.Next).toBe(STATE.supernet);
    expect(choice.Choices[0]!.And).toEqual([
      { Variable: '$.supernet', IsPresent: true },
      { Variable: '$.supernet', BooleanEquals: true },
    ]);
    expect(choice.Default).toBe(STATE.loop);
    const chunk = definition.States[STATE.supernet] as { Next: string; Parameters: Record<string, unknown> };
    expect(chunk.Next).toBe(STATE.supernetLoop);
    expect(chunk.Parameters).toEqual({ 'searchId.$': '$.searchId' });
    const byHandler = Object.values(zip.template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Metadata?.['cosearch:handler'] === 'supernetChunk',
    )!;
    expect(byHandler.Properties.Timeout).toBe(900);
    expect(byHandler.Properties.MemorySize).toBe(TRAINER_LAMBDA.memoryMB);
  });

  it('sizes both trainers as the cost model prices them: 2 vCPUs and 2 kernel threads', () => {
    for (const handler of ['trainChild', 'supernetChunk']) {
      const f = Object.values(zip.template.findResources('AWS::Lambda::Function')).find(
        (r) => r.Metadata?.['cosearch:handler'] === handler,
      )!;
      expect(f.Properties.MemorySize).toBe(3538);
      expect(f.Properties.Environment.Variables.COSEARCH_THREADS).toBe('2');
    }
    expect(STEP_PROFILE.trainerMemoryGB * 1024).toBe(TRAINER_LAMBDA.memoryMB);
  });

  it('waits throttles out on every Lambda task, longer than the longest child, then retries service errors', () => {
    let n = 0;
    walkStates(definition.States, (_name, s) => {
      if (s.Type !== 'Task' || !String(s.Resource).includes(':lambda:')) return;
      n++;
      type Retrier = {
        ErrorEquals: string[];
        IntervalSeconds: number;
        BackoffRate: number;
        MaxAttempts: number;
        MaxDelaySeconds: number;
        JitterStrategy: string;
      };
      const [throttle, service] = s.Retry as Retrier[];
      expect(throttle).toEqual({
        ErrorEquals: ['Lambda.TooManyRequestsException'],
        IntervalSeconds: THROTTLE_RETRY.intervalSeconds,
        BackoffRate: THROTTLE_RETRY.backoffRate,
        MaxAttempts: THROTTLE_RETRY.maxAttempts,
        MaxDelaySeconds: THROTTLE_RETRY.maxDelaySeconds,
        JitterStrategy: 'FULL',
      });
      expect(service!.ErrorEquals).toEqual([
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
      ]);
    });
    expect(n).toBe(10);
    // About 35 minutes: a throttled child outlasts a full wave of 15-minute children.
    expect(retryWindowSeconds(THROTTLE_RETRY)).toBeGreaterThanOrEqual(2 * CHILD_TIMEOUT_SECONDS);
    expect(
      retryWindowSeconds({ intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 1e9, maxAttempts: 6 }),
    ).toBe(126);
  });

  it('fans out no wider than the child functions’ reserved concurrency', () => {
    const fns = Object.values(zip.template.findResources('AWS::Lambda::Function'));
    const byHandler = (h: string) => fns.find((f) => f.Metadata?.['cosearch:handler'] === h)!.Properties;
    for (const h of ['trainChild', 'simulateAccelerator']) {
      expect(byHandler(h).ReservedConcurrentExecutions).toBe(CHILD_CONCURRENCY);
      expect(MAP_MAX_CONCURRENCY).toBeLessThanOrEqual(CHILD_CONCURRENCY);
      expect(DISTRIBUTED_MAX_CONCURRENCY).toBeLessThanOrEqual(CHILD_CONCURRENCY);
    }
    expect(byHandler('trainChild').Timeout).toBe(CHILD_TIMEOUT_SECONDS);
    expect((definition.States[STATE.distributedMap] as { MaxConcurrency: number }).MaxConcurrency).toBe(
      DISTRIBUTED_MAX_CONCURRENCY,
    );
    expect(CHILD_CONCURRENCY).toBeLessThanOrEqual(MAX_RESERVED_CONCURRENCY);
  });

  it('continues as new with only the search id and the iteration, under its own ARN', () => {
    const cont = definition.States[STATE.continueAsNew] as {
      Resource: string;
      Parameters: { StateMachineArn: string; Input: Record<string, string>; 'Name.$': string };
    };
    expect(cont.Resource).toBe('arn:aws:states:::states:startExecution');
    expect(cont.Parameters.Input).toEqual({ 'searchId.$': '$.searchId', 'iteration.$': '$.iteration' });
    expect(cont.Parameters['Name.$']).toContain('$.searchId');
    expect(cont.Parameters.StateMachineArn).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:Cosearch-search-loop',
    );
    zip.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'Cosearch-search-loop',
    });
    const policies = JSON.stringify(zip.template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('stateMachine:Cosearch-search-loop');
  });
});

describe('failure', () => {
  it('catches every loop step and map into MarkFailed, which records the cause and then fails', () => {
    const caught = [
      STATE.init,
      STATE.supernet,
      STATE.sample,
      STATE.map,
      STATE.distributedMap,
      STATE.update,
      STATE.finalize,
      STATE.continueAsNew,
    ];
    for (const name of caught) {
      const s = definition.States[name] as {
        Catch?: { ErrorEquals: string[]; Next: string; ResultPath: string }[];
      };
      const last = s.Catch?.at(-1);
      expect([name, last]).toEqual([
        name,
        { ErrorEquals: ['States.ALL'], Next: STATE.markFailed, ResultPath: '$.error' },
      ]);
    }
    const mark = definition.States[STATE.markFailed] as {
      Parameters: Record<string, unknown>;
      Next: string;
      Catch: { Next: string }[];
    };
    expect(mark.Parameters).toEqual({ 'searchId.$': '$.searchId', 'error.$': '$.error' });
    expect(mark.Next).toBe(STATE.failed);
    expect(mark.Catch[0]!.Next).toBe(STATE.failed);
    expect(definition.States[STATE.failed]).toMatchObject({ Type: 'Fail', Error: 'SearchFailed' });
    // Every state that can fail leads somewhere: no Task or Map without a Catch in the loop.
    for (const [n, s] of Object.entries(definition.States))
      if ((s.Type === 'Task' || s.Type === 'Map') && n !== STATE.markFailed)
        expect([n, JSON.stringify(s.Catch ?? null)]).toEqual([n, expect.stringContaining('States.ALL')]);
  });

  it('keeps a failed child’s whole error (Error and Cause), not just its name', () => {
    const child = (definition.States[STATE.map] as { ItemProcessor: { States: Record<string, unknown> } })
      .ItemProcessor.States[STATE.childFailed] as { Parameters: Record<string, string> };
    expect(child.Parameters).toEqual({
      'cid.$': '$.cid',
      status: 'failed',
      'error.$': '$.error.Error',
      'failure.$': '$.error',
    });
  });

  it('times executions out, and marks timed-out or uncaught failed executions through an EventBridge rule', () => {
    expect(definition.TimeoutSeconds).toBe(parseConfig(() => undefined).executionTimeoutHours * 3600);
    const rules = Object.values(zip.template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.Properties.EventPattern).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['TIMED_OUT', 'FAILED'] },
    });
    const markFailed = Object.entries(zip.template.findResources('AWS::Lambda::Function')).find(
      ([, f]) => f.Metadata?.['cosearch:handler'] === 'markFailed',
    )![0];
    expect(rule.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [markFailed, 'Arn'] });
  });
});

describe('alarms', () => {
  it('alarm on failed, timed-out and aborted executions and on every function’s errors', () => {
    const alarms = Object.values(zip.template.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics.filter((m) => m === 'AWS/States/ExecutionsFailed')).toHaveLength(1);
    expect(metrics).toContain('AWS/States/ExecutionsTimedOut');
    expect(metrics).toContain('AWS/States/ExecutionsAborted');
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(Object.keys(HANDLERS).length);
    for (const a of alarms) expect(a.Properties.Threshold).toBe(1);
  });

  it('notify the topic the stack creates, with an optional e-mail subscription', () => {
    const topics = zip.template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const topicId = Object.keys(topics)[0]!;
    for (const a of Object.values(zip.template.findResources('AWS::CloudWatch::Alarm')))
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    zip.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withMail = synth({
      'cosearch:alarmEmail': 'ops@example.com',
      'cosearch:executionTimeoutHours': '12',
    });
    withMail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(localDefinition(withMail.json).definition.TimeoutSeconds).toBe(12 * 3600);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('passes with zero unacknowledged findings in both trainer forms, each acknowledgment with a reason', () => {
    for (const { nag } of [zip, image]) {
      const r = nag.pluginReports.find((p) => p.pluginName === 'AwsSolutions')!;
      expect(r.conclusion).toBe('success');
      expect(r.violations).toEqual([]);
      expect(r.suppressedViolations.length).toBeGreaterThan(0);
      for (const s of r.suppressedViolations) expect(s.reason.length).toBeGreaterThan(20);
    }
  });

  it('acknowledges only findings that exist: no stale suppression', () => {
    for (const { nag, acks } of [zip, image]) {
      const used = new Set(
        nag.pluginReports
          .find((p) => p.pluginName === 'AwsSolutions')!
          .suppressedViolations.map((s) => s.ruleName),
      );
      expect(acks.filter((id) => !used.has(id))).toEqual([]);
    }
  });
});

describe('context', () => {
  it('reads the trainer, dataset buckets and retention, and rejects bad values', () => {
    const ctx = (o: Record<string, unknown>) => parseConfig((k) => o[k]);
    expect(ctx({})).toMatchObject({
      trainer: 'zip',
      datasetBuckets: [],
      retentionDays: 180,
      executionTimeoutHours: 168,
      nag: true,
    });
    expect(() => ctx({ 'cosearch:alarmEmail': 'not-mail' })).toThrow(/alarmEmail/);
    expect(() => ctx({ 'cosearch:executionTimeoutHours': '0' })).toThrow(/executionTimeoutHours/);
    expect(ctx({ 'cosearch:datasetBuckets': ['a-b', 'c.d.e'] }).datasetBuckets).toEqual(['a-b', 'c.d.e']);
    expect(ctx({ 'cosearch:datasetBuckets': '["x-y"]' }).datasetBuckets).toEqual(['x-y']);
    expect(ctx({ 'cosearch:nag': 'false' }).nag).toBe(false);
    expect(() => ctx({ 'cosearch:trainer': 'gpu' })).toThrow(/cosearch:trainer/);
    expect(() => ctx({ 'cosearch:datasetBuckets': 'Bad_Bucket' })).toThrow(/not a bucket name/);
    expect(() => ctx({ 'cosearch:retentionDays': '0' })).toThrow(/retentionDays/);
  });
});

describe('pricing', () => {
  it('tells every function the backend its TrainChild really runs, so all callers quote one cost', () => {
    for (const [t, trainer] of [
      [zip, 'zip'],
      [image, 'image'],
    ] as const) {
      const fns = Object.values(t.json.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      expect(fns.length).toBeGreaterThan(5);
      for (const f of fns) {
        const vars = (f.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment
          ?.Variables;
        if (!vars?.COSEARCH_STORE) continue; // CDK's own helper functions
        expect(vars.COSEARCH_TRAINER_BACKEND).toBe(TRAINER_BACKEND[trainer]);
      }
    }
  });
});
