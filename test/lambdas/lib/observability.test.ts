// The handlers' shared observability: in Lambda, JSON log lines with the search and candidate
// ids, one EMF blob of metrics per invocation, errors logged whole and rethrown bounded; outside
// Lambda (the local runtime under the CLI), not one byte on stdout or stderr.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { keys } from '../../../core/engine/keys.js';
import type { StepContext, TrainingRecord } from '../../../core/engine/state.js';
import { FileStore } from '../../../core/store/file-store.js';
import { putJson } from '../../../core/store/json.js';
import { CandidateEvent, UpdateEvent } from '../../../lambdas/lib/events.js';
import {
  METRICS_NAMESPACE,
  observability,
  resetObservability,
  SERVICE_NAME,
} from '../../../lambdas/lib/observability.js';
import { MAX_ERROR_MESSAGE, stepHandler } from '../../../lambdas/lib/step-handler.js';
import { METRIC, STEP_METRICS } from '../../../lambdas/lib/step-metrics.js';

let dir: string;
let store: FileStore;
const ctx = (): StepContext => ({ store });
const lambdaContext = {
  functionName: 'cosearch-TrainChild',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:cosearch-TrainChild',
  memoryLimitInMB: '3538',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const searchId = 's1-abc';
const cid = '0123456789abcdef';
const event = { searchId, iteration: 2, cid };

/** Everything written to stdout and stderr while the test runs, one entry per line. */
let lines: { stream: 'out' | 'err'; text: string }[];
beforeEach(() => {
  lines = [];
  for (const [stream, s] of [
    ['out', process.stdout],
    ['err', process.stderr],
  ] as const)
    vi.spyOn(s, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push({ stream, text });
      return true;
    });
  resetObservability();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  resetObservability();
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-obs-'));
  store = new FileStore(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const inLambda = () => {
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'cosearch-TrainChild');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', undefined);
  vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', undefined);
};
const outsideLambda = () => {
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', undefined);
};

const json = () =>
  lines.map((l) => {
    try {
      return { ...l, value: JSON.parse(l.text) as Record<string, unknown> };
    } catch {
      return { ...l, value: undefined };
    }
  });
const logLines = () => json().filter((l) => l.value && typeof l.value.message === 'string');
const emf = () =>
  json()
    .map((l) => l.value as { _aws?: { CloudWatchMetrics: { Namespace: string }[] } } | undefined)
    .filter((v) => v?._aws) as (Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
  })[];

const record = (over: Partial<TrainingRecord> = {}): TrainingRecord => ({
  cid,
  status: 'ok',
  testAccuracy: 0.91,
  valAccuracy: 0.9,
  trainSeconds: 12.5,
  examplesPerSec: 800,
  stepsDone: 60,
  params: 18_400,
  macs: 1_000_000,
  backend: 'cpu+wasm',
  ...over,
});

/** A TrainChild handler whose "training" writes the given record, as trainCandidate does. */
const trainHandler = (rec: TrainingRecord) =>
  stepHandler(
    CandidateEvent,
    async (c, e) => {
      await putJson(c.store, keys.training(e.searchId, e.iteration, e.cid), rec);
      return { ...e, status: rec.status, done: true };
    },
    ctx,
    STEP_METRICS.trainChild,
  );

it('outside Lambda loads nothing and prints nothing, even for a failing step', async () => {
  outsideLambda();
  expect(await observability()).toBeUndefined();
  await trainHandler(record())(event, lambdaContext);
  const failing = stepHandler(
    CandidateEvent,
    async () => {
      throw new Error('boom');
    },
    ctx,
    STEP_METRICS.trainChild,
  );
  await expect(failing(event, lambdaContext)).rejects.toThrow('boom');
  expect(lines).toEqual([]);
});

it('POWERTOOLS_LOG_LEVEL outside Lambda turns the log lines on, never metrics or tracing', async () => {
  outsideLambda();
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  const obs = await observability();
  expect(obs?.metrics).toBeUndefined();
  expect(obs?.tracer).toBeUndefined();
  await trainHandler(record())(event, lambdaContext);
  expect(logLines().map((l) => l.value?.message)).toEqual(['done']);
  expect(emf()).toEqual([]);
});

it('in Lambda every log line carries the search, candidate and iteration, and the context', async () => {
  inLambda();
  await trainHandler(record())(event, lambdaContext);
  const logs = logLines();
  expect(logs).toHaveLength(1);
  expect(logs[0]!.value).toMatchObject({
    level: 'INFO',
    message: 'done',
    service: SERVICE_NAME,
    searchId,
    candidateId: cid,
    iteration: 2,
    status: 'ok',
    done: true,
    function_name: 'cosearch-TrainChild',
    function_request_id: 'req-1',
  });
  expect(typeof logs[0]!.value?.durationMs).toBe('number');
  // Keys belong to one invocation: the next event's ids replace them, absent ones are gone.
  lines.length = 0;
  const other = '1111111111111111';
  await trainHandler(record({ cid: other }))({ searchId, iteration: 3, cid: other }, lambdaContext);
  expect(logLines()[0]!.value).toMatchObject({ candidateId: other, iteration: 3 });
  lines.length = 0;
  const init = stepHandler(CandidateEvent.pick({ searchId: true }), async () => ({ done: false }), ctx);
  await init({ searchId }, lambdaContext);
  expect(logLines()[0]!.value).toMatchObject({ searchId, message: 'done' });
  expect(logLines()[0]!.value).not.toHaveProperty('candidateId');
});

it('in Lambda a trained child emits its train seconds, accuracy and throughput in one namespace', async () => {
  inLambda();
  await trainHandler(record())(event, lambdaContext);
  const blobs = emf();
  expect(blobs).toHaveLength(1);
  const b = blobs[0]!;
  expect(b._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
  expect(b._aws.CloudWatchMetrics[0]!.Metrics).toEqual(
    expect.arrayContaining([
      { Name: METRIC.trainSeconds, Unit: 'Seconds' },
      { Name: METRIC.testAccuracy, Unit: 'Percent' },
      { Name: METRIC.childrenTrained, Unit: 'Count' },
    ]),
  );
  expect(b).toMatchObject({
    [METRIC.trainSeconds]: 12.5,
    [METRIC.testAccuracy]: 91,
    [METRIC.childrenTrained]: 1,
    [METRIC.examplesPerSecond]: 800,
    service: SERVICE_NAME,
    searchId,
    candidateId: cid,
    backend: 'cpu+wasm',
  });
  // A child whose training failed counts as a failure, with its reason; no accuracy for it.
  lines.length = 0;
  await trainHandler(record({ status: 'failed', reason: 'loss diverged' }))(event, lambdaContext);
  expect(emf()[0]).toMatchObject({ [METRIC.childTrainingFailed]: 1, reason: 'loss diverged' });
  expect(emf()[0]).not.toHaveProperty(METRIC.testAccuracy);
  // A step that stores nothing to report (a chunk of a longer child) emits nothing, and no warning.
  lines.length = 0;
  const chunk = stepHandler(
    CandidateEvent,
    async (_c, e) => ({ ...e, status: 'training', done: false, stepsDone: 30 }),
    ctx,
    STEP_METRICS.trainChild,
  );
  await chunk(event, lambdaContext);
  expect(emf()).toEqual([]);
  expect(lines.filter((l) => l.stream === 'err' || /warn/i.test(l.text))).toEqual([]);
});

it('in Lambda a failing step logs the whole error with its ids, counts it, and rethrows it bounded', async () => {
  inLambda();
  const long = `cannot read searches/${searchId}/state.json: ${'x'.repeat(2_000)}`;
  const failing = stepHandler(
    CandidateEvent,
    async () => {
      throw Object.assign(new Error(long), { name: 'CorruptObjectError' });
    },
    ctx,
    STEP_METRICS.trainChild,
  );
  const e = (await failing(event, lambdaContext).catch((x: unknown) => x)) as Error;
  expect(e.name).toBe('CorruptObjectError');
  expect(e.message.length).toBe(MAX_ERROR_MESSAGE);
  const errors = logLines().filter((l) => l.value?.level === 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.value).toMatchObject({
    message: 'failed',
    searchId,
    candidateId: cid,
    error: { name: 'CorruptObjectError', message: long },
  });
  expect(emf()[0]).toMatchObject({ [METRIC.childTrainingFailed]: 1, error: 'CorruptObjectError' });
  // An event that fails validation is logged too, with whatever ids it had.
  lines.length = 0;
  const bad = (await failing({ searchId, iteration: 2, cid: 'nope' }, lambdaContext).catch(
    (x: unknown) => x,
  )) as Error;
  expect(bad.name).toBe('InvalidEventError');
  expect(logLines().find((l) => l.value?.level === 'ERROR')?.value).toMatchObject({
    searchId,
    error: { name: 'InvalidEventError' },
  });
});

it('in Lambda UpdatePolicy counts the iteration’s failed and throttled children', async () => {
  inLambda();
  const ev = (c: string, status: string, reason?: string) => ({
    cid: c,
    status,
    ...(reason ? { reason } : {}),
  });
  await putJson(store, keys.evaluations(searchId, 4), {
    iteration: 4,
    evaluations: [
      ev('a', 'ok'),
      ev('b', 'failed', 'Throttled: Lambda.TooManyRequestsException after every retry'),
      ev('c', 'failed', 'DatasetError: cannot read dataset'),
      ev('d', 'infeasible', 'latency over budget'),
    ],
  });
  const update = stepHandler(
    UpdateEvent,
    async (_c, e) => ({ searchId: e.searchId, iteration: e.iteration + 1, done: false }),
    ctx,
    STEP_METRICS.updatePolicy,
  );
  await update({ searchId, iteration: 4, children: [] }, lambdaContext);
  expect(emf()[0]).toMatchObject({
    [METRIC.childrenEvaluated]: 4,
    [METRIC.childrenFailed]: 2,
    [METRIC.childrenThrottled]: 1,
    [METRIC.childrenInfeasible]: 1,
    searchId,
    iteration: '4',
  });
});

it('in Lambda the API logs one line per request with its route and status', async () => {
  inLambda();
  vi.stubEnv('COSEARCH_STORE', `file://${dir}`);
  const { handler } = await import('../../../lambdas/handlers/api.js');
  const r = await handler(
    {
      httpMethod: 'DELETE',
      resource: '/searches/{id}',
      path: `/searches/${searchId}`,
      pathParameters: { id: searchId },
      requestContext: { requestId: 'api-1', identity: { userArn: 'arn:aws:iam::123456789012:user/a' } },
      headers: {},
      body: null,
    } as unknown as APIGatewayProxyEvent,
    lambdaContext,
  );
  expect(r.statusCode).toBe(405);
  const logs = logLines();
  expect(logs).toHaveLength(1);
  expect(logs[0]!.value).toMatchObject({
    message: 'done',
    method: 'DELETE',
    resource: '/searches/{id}',
    searchId,
    apiRequestId: 'api-1',
    status: 405,
  });
});
