// docs/openapi.json, generated from the zod schemas the handler validates with.
// Regenerate: npx tsx lambdas/lib/openapi.ts docs/openapi.json
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SEARCH_ID_PATTERN } from '../../core/engine/keys.js';
import { MAX_SPEC_BYTES } from '../../core/spec/parse.js';
import { SearchSpec } from '../../core/spec/schema.js';
import {
  ArtifactLinks,
  CostSummary,
  CreateSearchResponse,
  ErrorResponse,
  Failure,
  IdempotencyKey,
  Links,
  ResultsResponse,
  SearchListResponse,
  SearchStatusResponse,
  StopResponse,
} from './api-schemas.js';
import { API_STAGE, LOCAL_API_PORT, ROUTES, type RouteId } from './routes.js';

type Json = Record<string, unknown>;

/** One JSON Schema per named zod schema, under components.schemas, with $refs between them. */
function components(): Json {
  const registry = z.registry<{ id: string }>();
  const named: [string, z.ZodType][] = [
    ['SearchSpec', SearchSpec],
    ['CreateSearchResponse', CreateSearchResponse],
    ['SearchListResponse', SearchListResponse],
    ['SearchStatusResponse', SearchStatusResponse],
    ['ResultsResponse', ResultsResponse],
    ['StopResponse', StopResponse],
    ['Error', ErrorResponse],
    ['Links', Links],
    ['Failure', Failure],
    ['CostSummary', CostSummary],
    ['ArtifactLinks', ArtifactLinks],
  ];
  for (const [id, s] of named) if (!registry.has(s)) registry.add(s, { id });
  const out = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    target: 'openapi-3.0',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  for (const s of Object.values(out.schemas)) delete s.$id;
  return dedupeAnyOf(out.schemas) as Record<string, Json>;
}

/**
 * OpenAPI 3.0 has no tuples: zod writes a tuple's items as `anyOf` over its positions, which
 * repeats a schema when two positions agree (the spec's image shape [h, w, c]). Equal members
 * are dropped, and a single one left replaces its anyOf; the document then says the same thing.
 */
export function dedupeAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dedupeAnyOf);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = dedupeAnyOf(v);
  if (!Array.isArray(out.anyOf)) return out;
  const seen = new Set<string>();
  const members = out.anyOf.filter((m) => {
    const key = JSON.stringify(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const { anyOf: _, ...rest } = out;
  if (members.length === 1 && typeof members[0] === 'object') return { ...rest, ...(members[0] as Json) };
  return { ...rest, anyOf: members };
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonBody = (id: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(id) } },
});
const error = (description: string) => jsonBody('Error', description);
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: SEARCH_ID_PATTERN.source },
};
const iam = [{ sigv4: [] }];

/** What each route documents beyond the route table's method, path and summary. */
function operations(): Record<RouteId, Json> {
  const idem = z.toJSONSchema(IdempotencyKey, { target: 'openapi-3.0' });
  return {
    createSearch: {
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Same key and body give the same search; the same key with another body is a 409.',
          schema: idem,
        },
      ],
      requestBody: {
        required: false,
        description: `A search spec (at most ${MAX_SPEC_BYTES} bytes); {} or no body is the built-in example.`,
        content: { 'application/json': { schema: ref('SearchSpec') } },
      },
      responses: {
        '202': jsonBody('CreateSearchResponse', 'Started (or the same search again, for a reused key)'),
        '400': error(
          'Invalid spec (issues name every field), non-JSON body, bad Idempotency-Key, file:// dataset',
        ),
        '403': error('s3:// dataset in a bucket that is not allowed'),
        '409': error('Idempotency-Key reused with a different body'),
        '413': error('Body too large'),
      },
    },
    listSearches: {
      parameters: [
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
        },
        { name: 'nextToken', in: 'query', schema: { type: 'string', maxLength: 2048 } },
      ],
      responses: {
        '200': jsonBody('SearchListResponse', 'One page of searches'),
        '400': error('Bad limit, nextToken or unknown query parameter'),
      },
    },
    getSearch: {
      parameters: [idParam],
      responses: {
        '200': jsonBody('SearchStatusResponse', 'Status'),
        '400': error('Invalid search id'),
        '404': error('No such search'),
      },
    },
    getResults: {
      parameters: [idParam],
      responses: {
        '200': jsonBody('ResultsResponse', 'Results'),
        '400': error('Invalid search id'),
        '404': error('No such search'),
        '409': error('No results yet'),
      },
    },
    stopSearch: {
      parameters: [
        idParam,
        {
          name: 'force',
          in: 'query',
          description: 'true: also StopExecution at once (hard fallback; no Finalize, no results)',
          schema: { type: 'string', enum: ['true', 'false'] },
        },
      ],
      responses: {
        '202': jsonBody('StopResponse', 'Stop requested'),
        '400': error('Invalid search id'),
        '404': error('No such search'),
        '409': error('The search has already finished'),
      },
    },
  };
}

/** The paths object, one operation per row of the route table. */
function paths(): Json {
  const ops = operations();
  const out: Record<string, Json> = {};
  for (const r of ROUTES)
    out[r.resource] = {
      ...(out[r.resource] ?? {}),
      [r.method.toLowerCase()]: { operationId: r.id, summary: r.summary, ...ops[r.id] },
    };
  return out;
}

export function buildOpenApi(): Json {
  return {
    openapi: '3.0.3',
    info: {
      title: 'cosearch API',
      version: '1',
      description:
        'Start, watch, stop and collect joint network/hyper-parameter/accelerator searches. Every method is ' +
        'AWS_IAM-authorized: sign requests with SigV4 (service execute-api), e.g. with `cosearch remote`. ' +
        'Every error is a JSON body {error, issues?} naming the problem.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [
      {
        url: `https://{apiId}.execute-api.{region}.amazonaws.com/${API_STAGE}`,
        description: 'The deployed stack: its ApiUrl output',
        variables: {
          apiId: { default: 'API_ID', description: 'The REST API id (the first label of ApiUrl)' },
          region: { default: 'us-east-1', description: 'The region the stack is deployed in' },
        },
      },
      {
        url: 'http://127.0.0.1:{port}',
        description: '`cosearch serve`: the same routes on a local store, without IAM',
        variables: { port: { default: String(LOCAL_API_PORT) } },
      },
    ],
    security: iam,
    paths: paths(),
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (IAM)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
      schemas: components(),
    },
  };
}

export const openApiText = () => `${JSON.stringify(buildOpenApi(), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? 'docs/openapi.json';
  writeFileSync(out, openApiText());
  console.log(`wrote ${out}`);
}
