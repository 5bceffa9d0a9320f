// One place for what every function shares: runtime, architecture, bundling, logs.
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_METADATA_KEY, HANDLERS, type HandlerName } from './handlers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CosearchFunctionProps {
  handler: HandlerName;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  reservedConcurrentExecutions?: number;
}

export class CosearchFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: CosearchFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Fn', {
      entry: `${ROOT}${HANDLERS[props.handler]}`,
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        sourceMap: true,
        minify: true,
        // ESM bundles need require() for the CommonJS dependencies they inline.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // Native tfjs is only in the container-image trainer; the zip uses pure JS.
        externalModules: ['@tensorflow/tfjs-node', '@aws-sdk/*'],
      },
    });
    (this.fn.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.handler);
  }
}
