// One place for what every function shares: runtime, architecture, bundling, logs, tracing,
// concurrency.
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  DockerImageCode,
  DockerImageFunction,
  type Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_METADATA_KEY, HANDLERS, type HandlerName } from './handlers.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the built-in datasets sit inside a deployed function (zip bundle and image alike). */
export const LAMBDA_DATA_DIR = '/var/task/data';
/** Built-in dataset files copied into the bundles of the functions that load data. */
export const BUILTIN_DATA_FILES = ['digits.csv.gz'];

/**
 * ESM bundles need require() for the CommonJS dependencies they inline. The alias keeps the
 * banner from clashing with a bundled module's own createRequire import.
 */
export const ESM_BANNER =
  "import { createRequire as __cosearchRequire } from 'module'; const require = __cosearchRequire(import.meta.url);";

/** Upper bound on any one function's reserved concurrency: a runaway loop cannot take the account. */
export const MAX_RESERVED_CONCURRENCY = 100;
/** The trainer image's bundles (Dockerfile), by handler. */
export const IMAGE_BUNDLES: Partial<Record<HandlerName, string>> = {
  trainChild: 'train-child',
  supernetChunk: 'supernet-chunk',
};

export interface CosearchFunctionProps {
  handler: HandlerName;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  /** Reserved concurrency, clamped to MAX_RESERVED_CONCURRENCY. */
  reservedConcurrentExecutions?: number;
  /** Copy the built-in datasets into the bundle and point COSEARCH_DATA_DIR at them. */
  withData?: boolean;
  /** Bundle the AWS SDK instead of using the runtime's (the API needs s3-request-presigner). */
  bundleAwsSdk?: boolean;
  /** The trainer as a container image with native tfjs (x86_64: tfjs-node ships no arm64 build). */
  image?: boolean;
}

function clampConcurrency(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.max(1, Math.min(MAX_RESERVED_CONCURRENCY, Math.floor(n)));
}

export class CosearchFunction extends Construct {
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: CosearchFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const environment = {
      NODE_OPTIONS: '--enable-source-maps',
      ...(props.withData || props.image ? { COSEARCH_DATA_DIR: LAMBDA_DATA_DIR } : {}),
      ...props.environment,
    };
    const common = {
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      logGroup,
      // JSON lines (Powertools writes them, lambdas/lib/observability.ts); the application level is
      // what the handlers' logger honours (AWS_LAMBDA_LOG_LEVEL); the platform's INFO keeps the
      // REPORT line of each invocation (duration, memory used: how the trainer's size is checked).
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.INFO,
      // X-Ray: CDK grants exactly xray:PutTraceSegments and xray:PutTelemetryRecords (on "*",
      // which X-Ray requires; acknowledged in nag.ts).
      tracing: Tracing.ACTIVE,
      environment,
      reservedConcurrentExecutions: clampConcurrency(props.reservedConcurrentExecutions),
    };
    if (props.image) {
      // `cdk synth` only stages the build context (narrowed by .dockerignore); the build runs on deploy.
      this.fn = new DockerImageFunction(this, 'Fn', {
        ...common,
        // One image serves every image function; CMD picks the handler's bundle.
        code: DockerImageCode.fromImageAsset(ROOT, {
          file: 'Dockerfile',
          cmd: [`${imageBundle(props.handler)}.handler`],
        }),
        architecture: Architecture.X86_64,
      });
    } else {
      this.fn = new NodejsFunction(this, 'Fn', {
        ...common,
        entry: `${ROOT}${HANDLERS[props.handler]}`,
        handler: 'handler',
        projectRoot: ROOT,
        depsLockFilePath: `${ROOT}package-lock.json`,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        bundling: {
          format: OutputFormat.ESM,
          target: 'node22',
          sourceMap: true,
          minify: true,
          banner: ESM_BANNER,
          // Native tfjs is only in the container-image trainer; the zip uses pure JS. The runtime's
          // AWS SDK serves the clients, except where a function needs SDK libraries it may lack.
          externalModules: props.bundleAwsSdk
            ? ['@tensorflow/tfjs-node']
            : ['@tensorflow/tfjs-node', '@aws-sdk/*'],
          ...(props.withData ? { commandHooks: dataHooks } : {}),
        },
      });
    }
    (this.fn.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.handler);
  }
}

function imageBundle(h: HandlerName): string {
  const b = IMAGE_BUNDLES[h];
  if (!b) throw new Error(`handler ${h} has no bundle in the trainer image (see Dockerfile)`);
  return b;
}

/** Copies the built-in datasets next to the bundle: /var/task/data once deployed. */
const dataHooks = {
  beforeBundling: (): string[] => [],
  beforeInstall: (): string[] => [],
  afterBundling: (inputDir: string, outputDir: string): string[] => [
    `mkdir -p "${outputDir}/data"`,
    ...BUILTIN_DATA_FILES.map((f) => `cp "${inputDir}/data/${f}" "${outputDir}/data/${f}"`),
  ],
};
