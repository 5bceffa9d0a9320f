// cdk-nag (AwsSolutions) findings we accept, each with the reason. Everything else must pass.
// cdk-nag v3 acknowledges each finding by its exact id, so the ids are computed from the stack.
import { type CfnElement, Validations } from 'aws-cdk-lib';
import type { CosearchStack } from './stack.js';

const PACK = 'AwsSolutions::AwsSolutions';

export function suppressNagFindings(
  stack: CosearchStack,
  functions: { node: { defaultChild?: unknown } }[],
): void {
  const ack = (id: string, reason: string) =>
    Validations.of(stack).acknowledge({ id: `${PACK}-${id}`, reason });
  const ref = (c: unknown) => stack.getLogicalId(c as CfnElement);
  const bucket = ref(stack.bucket.node.defaultChild);

  ack('S1', 'Only the access-log bucket has no server access logs: it is their destination.');
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
    "From Bucket.grantRead/grantPut scoped to the searches/ prefix of the stack's own bucket; the " +
    'wildcards cover object versions and multipart aborts of those keys only.';
  for (const a of ['s3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'])
    ack(`IAM5[Action::${a}]`, s3Reason);
  // searches/: the loop's objects; datasets/: uploaded datasets (read only); index/ and
  // idempotency/: the API's search index and Idempotency-Key records.
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
    'SNS2',
    'The alarm topic carries alarm names and states only, and CloudWatch alarms cannot publish to a topic ' +
      'encrypted with the AWS managed SNS key (a customer managed key would be needed for that alone).',
  );
  ack('IAM5[Resource::*]', 'X-Ray tracing (xray:PutTraceSegments and friends) supports no resource scoping.');
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
}
