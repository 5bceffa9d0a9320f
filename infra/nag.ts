// cdk-nag (AwsSolutions) findings we accept, each with the reason. Everything else must pass.
// cdk-nag v3 acknowledges each finding by its exact id, so the ids are computed from the stack.
import { type CfnElement, Validations } from 'aws-cdk-lib';
import type { CosearchStack } from './stack.js';

const PACK = 'AwsSolutions::AwsSolutions';

/** Acknowledges the findings we accept; returns their ids (the infra test checks each one is used). */
export function suppressNagFindings(
  stack: CosearchStack,
  functions: { node: { defaultChild?: unknown } }[],
): string[] {
  const ids: string[] = [];
  const ack = (id: string, reason: string) => {
    ids.push(`${PACK.split('::')[0]}-${id}`);
    Validations.of(stack).acknowledge({ id: `${PACK}-${id}`, reason });
  };
  const ref = (c: unknown) => stack.getLogicalId(c as CfnElement);
  const bucket = ref(stack.bucket.node.defaultChild);

  ack(
    'COG4',
    'Every method is AWS_IAM-authorized (SigV4): callers are IAM principals of the account, not app users.',
  );
  ack('APIG3', 'No WAF: the API is IAM-authorized, throttled at the stage, and serves no public traffic.');
  ack(
    'L1',
    'nodejs22.x on purpose: the project pins Node 22 (package.json engines), which is what is tested.',
  );
  ack(
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "The Lambda basic execution policy only writes the functions' own CloudWatch logs.",
  );
  ack(
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    "API Gateway's account-level logging role; AWS documents this managed policy for it.",
  );
  const s3Reason =
    "Object keys under one prefix of the stack's own bucket, for exactly the actions the Store uses " +
    '(GetObject, PutObject, DeleteObject for checkpoints): keys are per search and not known at deploy time.';
  // searches/: the loop's objects; datasets/: uploaded datasets (read only); index/ and
  // idempotency/: the API's search index, owners' indexes and Idempotency-Key records.
  for (const p of ['searches', 'datasets', 'index', 'idempotency'])
    ack(`IAM5[Resource::<${bucket}.Arn>/${p}/*]`, s3Reason);
  ack(
    `IAM5[Resource::arn:<AWS::Partition>:s3:::<${bucket}>/*]`,
    'The Distributed Map reads the candidate list (searches/.../candidates/iter-K.json) from the stack bucket.',
  );
  for (const b of stack.config.datasetBuckets)
    ack(
      `IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`,
      `Read-only on the allow-listed dataset bucket ${b} (context cosearch:datasetBuckets), for Init, TrainChild and SupernetChunk.`,
    );
  ack(
    'IAM5[Resource::*]',
    'X-Ray tracing of every function (xray:PutTraceSegments, PutTelemetryRecords) and of the state machine ' +
      '(also GetSamplingRules, GetSamplingTargets), and the state machine log delivery to CloudWatch Logs ' +
      '(logs:*LogDelivery, PutResourcePolicy, Describe*): these actions support no resource scoping. The infra ' +
      'test checks that no other action is granted on "*".',
  );
  for (const f of functions)
    ack(
      `IAM5[Resource::<${ref(f.node.defaultChild)}.Arn>:*]`,
      'LambdaInvoke grants the function and its versions/aliases (ARN:*); the function itself is fixed.',
    );
  const sm = ref(stack.loop.stateMachine.node.defaultChild);
  const exec = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${sm}"}]}]}`;
  const mapReason =
    'The Distributed Map manages its own child executions (named under this state machine only).';
  ack(`IAM5[Resource::${exec}:*]`, mapReason);
  ack(`IAM5[Resource::${exec}/*:*]`, mapReason);
  return ids;
}
