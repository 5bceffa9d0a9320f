// `cosearch remote` against a local HTTP server on 127.0.0.1 that checks every request's SigV4
// signature (recomputed with the same credentials) and serves the real API handler. No AWS.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { command, RemoteClient, regionOfApi } from '../../../bin/commands/remote.js';
import { FileStore } from '../../../core/store/file-store.js';
import { createApiHandler } from '../../../lambdas/lib/api.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const AUTH_SHAPE =
  /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

let server: Server;
let api: string;
let dir: string;
const seen: { method: string; url: string; auth: string; valid: boolean }[] = [];

/** Re-sign what arrived with the same key and compare: a wrong signature or tampered request fails. */
async function verify(req: IncomingMessage, body: string): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const m = AUTH_SHAPE.exec(auth);
  if (!m) return false;
  const signedHeaders = m[1]!.split(';');
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const headers: Record<string, string> = {};
  for (const h of signedHeaders) headers[h] = String(req.headers[h] ?? '');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const amzDate = String(req.headers['x-amz-date']);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'eu-west-1',
    credentials: CREDS,
    sha256: Sha256,
  });
  const again = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      ...(body ? { body } : {}),
    },
    {
      signingDate: new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
      ),
    },
  );
  return again.headers.authorization === auth;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-remote-'));
  const store = new FileStore(join(dir, 'store'));
  const handler = createApiHandler({
    store: () => store,
    starter: () => ({ start: async (id) => `local:${id}` }),
  });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const valid = await verify(req, body);
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization ?? '',
        valid,
      });
      if (!valid) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"message":"signature mismatch"}');
        return;
      }
      // Route like API Gateway: stage prefix off, {id} as a path parameter.
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname.replace(/^\/v1/, '');
      const m = /^\/searches(?:\/([^/]+)(\/results|\/stop)?)?$/.exec(path);
      const resource = !m ? path : m[1] === undefined ? '/searches' : `/searches/{id}${m[2] ?? ''}`;
      const out = await handler({
        httpMethod: req.method ?? 'GET',
        resource,
        path,
        headers: req.headers as Record<string, string>,
        body: body || null,
        isBase64Encoded: false,
        pathParameters: m?.[1] ? { id: decodeURIComponent(m[1]) } : null,
        queryStringParameters: url.searchParams.size ? Object.fromEntries(url.searchParams) : null,
        // API Gateway names the caller whose signature it checked.
        requestContext: { identity: { userArn: 'arn:aws:iam::123456789012:user/remote-test' } },
      } as unknown as APIGatewayProxyEvent);
      res.writeHead(out.statusCode, { 'content-type': 'application/json' });
      res.end(out.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Run the command with credentials from the environment (the first link of the standard chain). */
async function remote(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  vi.stubEnv('AWS_ACCESS_KEY_ID', CREDS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDS.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const code = await command.run([...argv, '--api', api]);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('cosearch remote', () => {
  it('signs every request with SigV4 and drives start, list, status, stop, results', async () => {
    const specPath = join(dir, 'spec.json');
    await writeFile(
      specPath,
      JSON.stringify({ strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 1 } }),
    );
    const start = await remote('start', specPath, '--idempotency-key', 'abc-1');
    expect(start.code).toBe(0);
    const { searchId, estimatedUSD } = JSON.parse(start.out);
    expect(searchId).toMatch(/^s\d{14}-[0-9a-f]{8}$/);
    expect(estimatedUSD).toBeGreaterThan(0);
    // The same key and body again: the same search.
    expect(JSON.parse((await remote('start', specPath, '--idempotency-key', 'abc-1')).out).searchId).toBe(
      searchId,
    );

    const list = await remote('list', '--limit', '10');
    expect(JSON.parse(list.out).searches).toContain(searchId);
    const status = await remote('status', searchId);
    expect(JSON.parse(status.out)).toMatchObject({ searchId, status: 'created' });
    const stop = await remote('stop', searchId);
    expect(JSON.parse(stop.out)).toMatchObject({ searchId, status: 'stopping' });
    // No results yet: a 409 from the API, exit 2, the error on stderr.
    const results = await remote('results', searchId);
    expect(results.code).toBe(2);
    expect(results.err).toMatch(/HTTP 409/);

    // --force adds ?force=true (signed with the query); this server's API cannot stop executions.
    const force = await remote('stop', searchId, '--force');
    expect(force.code).toBe(2);
    expect(force.err).toMatch(/force stop is not available/);
    expect(seen.at(-1)!.url).toMatch(/\/stop\?force=true$/);

    expect(seen).toHaveLength(7);
    for (const r of seen) {
      expect(r.auth).toMatch(AUTH_SHAPE);
      expect(r.valid).toBe(true);
    }
    // The signature covers the body and the query.
    const signedHeaders = AUTH_SHAPE.exec(seen[0]!.auth)![1]!.split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256']));
  });

  it('a request signed with another secret is rejected by the server (the check can fail)', async () => {
    const client = new RemoteClient({
      api,
      region: 'eu-west-1',
      credentials: { accessKeyId: CREDS.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const r = await client.list();
    expect(r.status).toBe(403);
    expect(seen.at(-1)!.valid).toBe(false);
  });

  it('answers bad input with exit 2 before any request', async () => {
    const n = seen.length;
    await expect(remote('status')).rejects.toThrow(/needs a SEARCH_ID/);
    await expect(remote('frobnicate')).rejects.toThrow(/unknown action/);
    await expect(command.run(['list'])).rejects.toThrow(/--api URL is required/);
    await expect(command.run(['list', '--api', 'ftp://x'])).rejects.toThrow(/http\(s\) URL/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"strategy":{"batchSize":0}}');
    await expect(remote('start', bad)).rejects.toThrow(/strategy\.batchSize/);
    expect(seen.length).toBe(n);
  });

  it('takes the region from an execute-api URL', () => {
    expect(regionOfApi(new URL('https://abc123.execute-api.ap-south-1.amazonaws.com/v1/'))).toBe(
      'ap-south-1',
    );
    expect(regionOfApi(new URL('http://127.0.0.1:3000/'))).toBeUndefined();
  });
});
