import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../../core/store/store.js';
import { S3Store, s3ClientConfig } from '../../../lambdas/store/s3-store.js';
import { describeStoreContract } from '../../core/store/store-contract.js';
import { type RunningS3rver, startS3rver } from '../../helpers/s3rver.js';

let server: RunningS3rver;
let client: S3Client;
let storeCount = 0;

beforeAll(async () => {
  server = await startS3rver();
  client = new S3Client(s3ClientConfig(server.storeOptions));
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

// Against a real S3-protocol server on loopback; each test gets its own prefix in one bucket.
// GAP: s3rver ignores If-None-Match on PUT and overwrites, so putIfAbsent's conflict case
// cannot be exercised here (conditionalPut: false). The 412 -> AlreadyExistsError mapping
// is covered with aws-sdk-client-mock below. s3rver also lists in directory-walk order, not
// byte order, when '-' or '.' sit next to a '/' (byteOrderAcrossSegments: false).
describeStoreContract(
  'S3Store on s3rver',
  async () => new S3Store({ bucket: server.bucket, prefix: `t${++storeCount}/runs`, client }),
  { conditionalPut: false, byteOrderAcrossSegments: false },
);

describe('S3Store on s3rver', () => {
  it('keeps keys under its prefix and strips it when listing', async () => {
    const store = new S3Store({ bucket: server.bucket, prefix: '/pfx/inner/', client });
    expect(store.uri).toBe(`s3://${server.bucket}/pfx/inner`);
    await store.put('searches/a/spec.json', '{}');
    const raw = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'pfx/' }));
    expect(raw.Contents?.map((o) => o.Key)).toEqual(['pfx/inner/searches/a/spec.json']);
    expect((await store.list('')).keys).toEqual(['searches/a/spec.json']);
    const sibling = new S3Store({ bucket: server.bucket, prefix: 'pfx/inn', client });
    expect((await sibling.list('')).keys).toEqual([]);
  });

  it('works with a client it builds itself from endpoint options', async () => {
    const store = new S3Store({ bucket: server.bucket, prefix: 'own-client', ...server.storeOptions });
    await store.put('x.json', '{"ok":true}');
    expect(new TextDecoder().decode(await store.get('x.json'))).toBe('{"ok":true}');
    store.client.destroy();
  });
});

describe('S3Store client configuration', () => {
  it('uses path-style addressing and checksums only when required with a custom endpoint', async () => {
    const config = s3ClientConfig({ endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' });
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      region: 'eu-west-1',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const store = new S3Store({ bucket: 'my-bucket', endpoint: 'http://127.0.0.1:9000' });
    expect(store.client.config.forcePathStyle).toBe(true);
    expect(await store.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await store.client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    store.client.destroy();
  });

  it('leaves virtual-host addressing alone on AWS and defaults the region', () => {
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const config = s3ClientConfig({});
      expect(config.region).toBe('us-east-1');
      expect(config.forcePathStyle).toBeUndefined();
      expect(config.endpoint).toBeUndefined();
      process.env.AWS_REGION = 'ap-south-1';
      expect(s3ClientConfig({}).region).toBe('ap-south-1');
    } finally {
      if (saved.r === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved.r;
      if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d;
    }
  });

  it('rejects bad bucket names and prefixes', () => {
    expect(() => new S3Store({ bucket: 'Bad_Bucket', client: new S3Client({}) })).toThrow(/bucket name/);
    expect(() => new S3Store({ bucket: 'ok-bucket', prefix: 'a/../b', client: new S3Client({}) })).toThrow(
      /invalid store key/,
    );
  });
});

describe('S3Store error mapping (mocked client)', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  const store = new S3Store({ bucket: 'bkt', prefix: 'base', client: s3 });
  afterEach(() => mock.reset());

  const serviceError = (name: string, status: number) =>
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
    });

  it('putIfAbsent sends IfNoneMatch: * and maps 412 PreconditionFailed to AlreadyExistsError', async () => {
    mock.on(PutObjectCommand).rejects(serviceError('PreconditionFailed', 412));
    const err = await store.putIfAbsent('searches/s/spec.json', '{}').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect((err as AlreadyExistsError).key).toBe('searches/s/spec.json');
    const input = mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'bkt', Key: 'base/searches/s/spec.json', IfNoneMatch: '*' });
  });

  it('maps a bare 412 and 409 ConditionalRequestConflict to AlreadyExistsError', async () => {
    mock
      .on(PutObjectCommand)
      .rejectsOnce(serviceError('Unknown', 412))
      .rejectsOnce(serviceError('ConditionalRequestConflict', 409));
    await expect(store.putIfAbsent('k', 'v')).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(store.putIfAbsent('k', 'v')).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('plain put sends no condition', async () => {
    mock.on(PutObjectCommand).resolves({});
    await store.put('k.json', 'v');
    const input = mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input.IfNoneMatch).toBeUndefined();
    expect(input).toMatchObject({ Key: 'base/k.json', ContentType: 'application/json', ContentLength: 1 });
    expect(input.Body).toEqual(new TextEncoder().encode('v'));
  });

  it('maps NoSuchKey and 404 to NotFoundError; tryGet gives undefined', async () => {
    mock
      .on(GetObjectCommand)
      .rejectsOnce(
        new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
      )
      .rejectsOnce(serviceError('NotFound', 404))
      .rejectsOnce(serviceError('NoSuchKey', 404));
    await expect(store.get('a')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('b')).rejects.toThrow('no such object: b');
    expect(await store.tryGet('c')).toBeUndefined();
    expect(mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      'base/a',
      'base/b',
      'base/c',
    ]);
  });

  it('lets unexpected errors through as themselves, a failed read naming its key and store', async () => {
    const denied = serviceError('AccessDenied', 403);
    const boom = serviceError('InternalError', 500);
    mock.on(GetObjectCommand).rejects(denied);
    mock.on(PutObjectCommand).rejects(boom);
    mock.on(ListObjectsV2Command).rejects(denied);
    mock.on(DeleteObjectCommand).rejects(boom);
    await expect(store.get('a')).rejects.toBe(denied);
    await expect(store.tryGet('a')).rejects.toBe(denied);
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toContain('(reading a in s3://bkt/base)');
    await expect(store.putIfAbsent('a', 'x')).rejects.toBe(boom);
    await expect(store.put('a', 'x')).rejects.toBe(boom);
    await expect(store.list('')).rejects.toBe(denied);
    await expect(store.delete('a')).rejects.toBe(boom);
  });

  it('list passes prefix, MaxKeys and ContinuationToken through and strips the store prefix', async () => {
    mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'base/it/1' }, { Key: 'base/it/2' }],
        IsTruncated: true,
        NextContinuationToken: 'tok-1',
      })
      .resolvesOnce({ Contents: [{ Key: 'base/it/3' }], IsTruncated: false });
    const first = await store.list('it/', { maxKeys: 2 });
    expect(first).toEqual({ keys: ['it/1', 'it/2'], nextToken: 'tok-1' });
    const second = await store.list('it/', { maxKeys: 2, nextToken: 'tok-1' });
    expect(second).toEqual({ keys: ['it/3'] });
    const inputs = mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({ Bucket: 'bkt', Prefix: 'base/it/', MaxKeys: 2 });
    expect(inputs[1]).toEqual({ Bucket: 'bkt', Prefix: 'base/it/', MaxKeys: 2, ContinuationToken: 'tok-1' });
  });
});
