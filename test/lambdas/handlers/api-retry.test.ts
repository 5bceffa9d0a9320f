// POST /searches retried with the same Idempotency-Key after StartExecution failed: the replay
// must find out whether the execution exists and start it if not (the deployed handler, its
// Step Functions client mocked).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Cosearch-search-loop';
const sfn = mockClient(SFNClient);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-api-retry-'));
  process.env.COSEARCH_STORE = `file://${dir}`;
  process.env.COSEARCH_STATE_MACHINE_ARN = SM;
});
afterAll(async () => {
  delete process.env.COSEARCH_STORE;
  delete process.env.COSEARCH_STATE_MACHINE_ARN;
  sfn.restore();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => sfn.reset());

const post = async (key: string, body: string) => {
  const { handler } = await import('../../../lambdas/handlers/api.js');
  const r = await handler(
    {
      httpMethod: 'POST',
      resource: '/searches',
      path: '/searches',
      headers: { 'Idempotency-Key': key },
      body,
      isBase64Encoded: false,
      pathParameters: null,
      queryStringParameters: null,
      requestContext: { identity: { userArn: 'arn:aws:iam::123456789012:user/alice' } },
    } as unknown as APIGatewayProxyEvent,
    {} as Context,
  );
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
};
const spec = JSON.stringify({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 4 } });
const unavailable = () =>
  new SFNServiceException({
    name: 'ServiceUnavailable',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
    message: 'Service Unavailable',
  });

it('a replay after a failed StartExecution starts the execution, once', async () => {
  sfn.on(StartExecutionCommand).rejectsOnce(unavailable());
  const first = await post('retry-1', spec);
  expect(first.status).toBe(500);
  expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  const searchId = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.name!;

  // The retry: no execution of that name exists, so the replay starts it.
  sfn.reset();
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
  sfn
    .on(StartExecutionCommand)
    .resolves({ executionArn: `${SM.replace(':stateMachine:', ':execution:')}:${searchId}` });
  const second = await post('retry-1', spec);
  expect(second.status).toBe(202);
  expect(second.body).toMatchObject({ searchId, status: 'running', idempotentReplay: true });
  expect(sfn.commandCalls(DescribeExecutionCommand)[0]!.args[0].input.executionArn).toBe(
    `arn:aws:states:eu-west-1:123456789012:execution:Cosearch-search-loop:${searchId}`,
  );
  const starts = sfn.commandCalls(StartExecutionCommand);
  expect(starts).toHaveLength(1);
  expect(starts[0]!.args[0].input).toMatchObject({ stateMachineArn: SM, name: searchId });

  // Another retry: the execution exists now, so nothing is started again.
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ executionArn: 'arn:x', status: 'RUNNING' });
  const third = await post('retry-1', spec);
  expect(third.status).toBe(202);
  expect(third.body).toMatchObject({ searchId, idempotentReplay: true });
  expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
});
