import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseS3Uri, trimPrefix } from '../../core/store/s3-uri.js';
import { trainerBackendFromEnv } from '../../core/training/backends.js';
import { createApiHandler, LINK_EXPIRY_SECONDS } from '../lib/api.js';
import { s3Reader, stepContext, storeUri } from '../lib/context.js';
import { observe, requestKeys } from '../lib/observability.js';
import { parsePrincipals } from '../lib/tenancy.js';

const sfn = new SFNClient({});
const s3 = new S3Client({});

/** COSEARCH_STORE is s3://BUCKET[/PREFIX]; presigned links point into that bucket. */
function bucketAndPrefix(): { bucket: string; prefix: string } {
  const { bucket, key } = parseS3Uri(storeUri());
  const prefix = trimPrefix(key);
  return { bucket, prefix: prefix ? `${prefix}/` : '' };
}

function stateMachineArn(): string {
  const arn = process.env.COSEARCH_STATE_MACHINE_ARN;
  if (!arn) throw new Error('COSEARCH_STATE_MACHINE_ARN is not set');
  return arn;
}

const api = createApiHandler({
  store: () => stepContext().store,
  datasetBuckets: (process.env.COSEARCH_DATASET_BUCKETS ?? '').split(',').filter(Boolean),
  // The stack's AdminPrincipalArns parameter; every other caller sees only their own searches.
  admins: parsePrincipals(process.env.COSEARCH_ADMIN_PRINCIPALS),
  // Infra sets the backend its TrainChild function really runs (core/training/backends.ts).
  cost: { backend: trainerBackendFromEnv(process.env.COSEARCH_TRAINER_BACKEND) },
  readBytes: s3Reader(),
  presign: async (key) => {
    const { bucket, prefix } = bucketAndPrefix();
    return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }), {
      expiresIn: LINK_EXPIRY_SECONDS,
    });
  },
  starter: () => ({
    async find(searchId) {
      // The first execution is named after the search (later ones, continued as new, -i{k}).
      const executionArn = `${stateMachineArn().replace(':stateMachine:', ':execution:')}:${searchId}`;
      try {
        return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).executionArn ?? executionArn;
      } catch (e) {
        if (e instanceof ExecutionDoesNotExist) return undefined;
        throw e;
      }
    },
    async start(searchId) {
      const arn = stateMachineArn();
      // The execution is named after the search, so a retried POST cannot start it twice.
      try {
        const out = await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: arn,
            name: searchId,
            input: JSON.stringify({ searchId }),
          }),
        );
        return out.executionArn ?? searchId;
      } catch (e) {
        if (e instanceof ExecutionAlreadyExists) return searchId;
        throw e;
      }
    },
    // Executions of a search are named {searchId} and, after continue-as-new, {searchId}-i{k}.
    async forceStop(searchId) {
      const arn = stateMachineArn();
      let stopped = 0;
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: arn,
            statusFilter: 'RUNNING',
            nextToken,
            maxResults: 1000,
          }),
        );
        for (const e of page.executions ?? []) {
          if (e.name !== searchId && !e.name?.startsWith(`${searchId}-i`)) continue;
          await sfn.send(
            new StopExecutionCommand({ executionArn: e.executionArn, cause: 'force stop via API' }),
          );
          stopped++;
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return stopped;
    },
  }),
});

// One log line per request (route, search, status, duration), through the handlers' shared stack.
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(api).use(
  observe<APIGatewayProxyEvent, APIGatewayProxyResult>({
    keys: requestKeys,
    summary: (_event, response) => ({ status: response.statusCode }),
  }),
);
