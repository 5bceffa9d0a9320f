// The REST API's request and response shapes, as zod schemas: the handler validates with them
// and docs/openapi.json is generated from them (lambdas/lib/openapi.ts).
import { z } from 'zod';
import { SEARCH_ID_PATTERN } from '../../core/engine/keys.js';

export const SearchIdParam = z.string().regex(SEARCH_ID_PATTERN, { message: 'invalid search id' });

/** An idempotency key: printable ASCII, bounded. */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, { message: 'Idempotency-Key must be 1-256 printable ASCII characters' });

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  nextToken: z.string().min(1).max(2048).optional(),
});

export const StopQuery = z.strictObject({
  /** `true`: also StopExecution at once (no Finalize, no results). */
  force: z.enum(['true', 'false']).optional(),
});

export const ErrorResponse = z.object({
  error: z.string().describe('What is wrong, naming the field, id or header'),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }).loose())
    .optional()
    .describe('Every problem of an invalid spec, with its JSON path'),
});

export const Failure = z.object({
  error: z
    .string()
    .describe('The error name, e.g. CorruptObjectError, DatasetError, States.Timeout, Throttled'),
  message: z.string().describe('What went wrong, naming the key or file involved'),
  key: z.string().optional().describe('The store key, file:// or s3:// object the message names'),
  at: z.string().describe('When the search was marked failed (ISO 8601)'),
});

export const Links = z.object({ self: z.string(), results: z.string(), stop: z.string() });

export const CostSummary = z
  .object({
    totalUSD: z.number(),
    lambdaUSD: z.number(),
    stepFunctionsUSD: z.number(),
    s3USD: z.number(),
    lambdaGBSeconds: z.number(),
    transitions: z.number(),
    candidates: z.number(),
    iterations: z.number(),
    trainSeconds: z.number(),
  })
  .loose();

export const CreateSearchResponse = z.object({
  searchId: z.string(),
  status: z.enum(['running', 'created', 'succeeded', 'stopped', 'failed']),
  estimatedUSD: z.number().describe('Upper-bound cost estimate of the whole search'),
  estimate: CostSummary,
  executionId: z.string().optional(),
  idempotentReplay: z.boolean().optional(),
  links: Links,
});

export const SearchListResponse = z.object({
  searches: z.array(z.string()).describe('Search ids in id order (ids start with their UTC start time)'),
  nextToken: z.string().nullable().describe('Pass back as ?nextToken= for the next page; null at the end'),
});

export const SearchStatusResponse = z
  .object({
    searchId: z.string(),
    status: z.enum(['created', 'running', 'succeeded', 'stopped', 'failed']),
    stopReason: z.string().optional(),
    failure: Failure.optional().describe('Why the search failed (status "failed")'),
    owner: z
      .string()
      .optional()
      .describe('The IAM principal that started the search (an assumed role as its role)'),
    stopRequested: z.boolean(),
    iteration: z.number(),
    iterations: z.number(),
    candidatesEvaluated: z.number(),
    trained: z.number(),
    failed: z.number(),
    infeasible: z.number(),
    cached: z.number(),
    bestReward: z.number().nullable(),
    costSoFarUSD: z.number(),
    estimatedUSD: z.number(),
    maxUSD: z.number(),
    startedAt: z.string(),
    updatedAt: z.string(),
    supernet: z
      .object({
        step: z.number(),
        steps: z.number(),
        trainExamples: z.number(),
        evalExamples: z.number(),
        lastReward: z.number().nullable(),
        valAccuracy: z
          .number()
          .nullable()
          .optional()
          .describe("Sampled sub-networks' validation accuracy with the shared weights, last chunk"),
        done: z.boolean(),
      })
      .optional()
      .describe('AutoHAS (strategy "autohas"): progress of the supernet phase'),
    links: Links,
  })
  .loose();

export const ArtifactLinks = z.object({
  model: z.record(z.string(), z.string()).describe('Presigned GET URL per model file (model.json, weights)'),
  acceleratorConfig: z.string().describe('Presigned GET URL of the candidate (network + accelerator config)'),
  acceleratorMetrics: z.string().describe('Presigned GET URL of the simulated accelerator metrics'),
});

export const ResultsResponse = z
  .object({
    searchId: z.string(),
    status: z.string(),
    paretoFront: z.array(z.object({ cid: z.string(), iteration: z.number(), links: ArtifactLinks }).loose()),
    cost: z.object({
      estimatedUSD: z.number(),
      actualUSD: z.number(),
      estimate: CostSummary,
      actual: CostSummary,
    }),
    linksExpireSeconds: z.number(),
  })
  .loose();

export const StopResponse = z.object({
  searchId: z.string(),
  status: z.enum(['stopping', 'stopped']),
  executionsStopped: z.number().optional(),
  links: Links,
});
