// One spec, one estimate: `cosearch validate`, `cosearch serve` (the handler with no pricing
// settings) and the cloud API (pricing from the env infra sets) quote the same cost.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateCost } from '../../../core/cost/model.js';
import { exampleSpec } from '../../../core/spec/parse.js';
import { FileStore } from '../../../core/store/file-store.js';
import { TRAINER_BACKEND, trainerBackendFromEnv } from '../../../core/training/backends.js';
import { createApiHandler } from '../../../lambdas/lib/api.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function postedEstimate(cost?: Parameters<typeof createApiHandler>[0]['cost']): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'cosearch-agree-'));
  dirs.push(dir);
  const store = new FileStore(dir);
  const api = createApiHandler({
    store: () => store,
    caller: () => 'local',
    admins: ['local'],
    allowFileDatasets: true,
    starter: () => ({ start: async (id) => id, find: async () => undefined }),
    ...(cost ? { cost } : {}),
  });
  const res = await api({
    httpMethod: 'POST',
    resource: '/searches',
    path: '/searches',
    headers: {},
    body: JSON.stringify({}),
  } as unknown as APIGatewayProxyEvent);
  expect(res.statusCode).toBe(202);
  return (JSON.parse(res.body) as { estimatedUSD: number }).estimatedUSD;
}

describe('the cost estimate of the default spec', () => {
  it('is the same from validate, serve and the cloud API of the default (zip) deployment', async () => {
    const validate = estimateCost(exampleSpec()).totalUSD;
    const serve = await postedEstimate();
    const cloud = await postedEstimate({ backend: trainerBackendFromEnv(TRAINER_BACKEND.zip) });
    expect(serve).toBe(validate);
    expect(cloud).toBe(validate);
    // An image deployment runs tfjs-node, and says so in its price.
    expect(await postedEstimate({ backend: trainerBackendFromEnv(TRAINER_BACKEND.image) })).not.toBe(
      validate,
    );
  });
});
