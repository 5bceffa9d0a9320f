// The cosearch stack: one bucket, the loop's functions, the state machine and an IAM-authorized API.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AuthorizationType, LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CosearchFunction } from './function-defaults.js';
import { SearchStateMachine } from './state-machine.js';

export class CosearchStack extends Stack {
  readonly bucket: Bucket;
  readonly loop: SearchStateMachine;
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.bucket = new Bucket(this, 'Searches', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const env = { COSEARCH_STORE: `s3://${this.bucket.bucketName}` };

    const fn = (
      id: string,
      handler: ConstructorParameters<typeof CosearchFunction>[2]['handler'],
      extra = {},
    ) => new CosearchFunction(this, id, { handler, environment: env, ...extra }).fn;
    const fns = {
      init: fn('Init', 'init', { memorySize: 1024 }),
      sampleCandidates: fn('SampleCandidates', 'sampleCandidates'),
      simulateAccelerator: fn('SimulateAccelerator', 'simulateAccelerator', { memorySize: 1024 }),
      trainChild: fn('TrainChild', 'trainChild', { memorySize: 3008, timeout: Duration.minutes(15) }),
      updatePolicy: fn('UpdatePolicy', 'updatePolicy'),
      finalize: fn('Finalize', 'finalize', { memorySize: 1024 }),
    };
    // Least privilege: each step gets only the access it needs on the search prefix.
    const prefix = 'searches/*';
    this.bucket.grantRead(fns.init, prefix);
    this.bucket.grantPut(fns.init, prefix);
    for (const f of [
      fns.sampleCandidates,
      fns.simulateAccelerator,
      fns.trainChild,
      fns.updatePolicy,
      fns.finalize,
    ]) {
      this.bucket.grantRead(f, prefix);
      this.bucket.grantPut(f, prefix);
    }
    this.loop = new SearchStateMachine(this, 'Loop', fns);

    const apiFn = new CosearchFunction(this, 'Api', {
      handler: 'api',
      environment: { ...env, COSEARCH_STATE_MACHINE_ARN: this.loop.stateMachine.stateMachineArn },
    }).fn;
    this.bucket.grantRead(apiFn, prefix);
    this.bucket.grantPut(apiFn, prefix);
    this.loop.stateMachine.grantStartExecution(apiFn);

    this.api = new RestApi(this, 'SearchApi', {
      description: 'cosearch REST API (IAM-authorized)',
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: { stageName: 'v1' },
    });
    const integration = new LambdaIntegration(apiFn);
    const searches = this.api.root.addResource('searches');
    searches.addMethod('POST', integration);
    searches.addMethod('GET', integration);
    const one = searches.addResource('{id}');
    one.addMethod('GET', integration);
    one.addResource('results').addMethod('GET', integration);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: this.loop.stateMachine.stateMachineArn });
  }
}
