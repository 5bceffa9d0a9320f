import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../../core/store/file-store.js';
import { openStore } from '../../../lambdas/store/open-store.js';
import { S3Store } from '../../../lambdas/store/s3-store.js';
import { type RunningS3rver, startS3rver } from '../../helpers/s3rver.js';

const savedEndpoint = process.env.COSEARCH_S3_ENDPOINT;
afterEach(() => {
  if (savedEndpoint === undefined) delete process.env.COSEARCH_S3_ENDPOINT;
  else process.env.COSEARCH_S3_ENDPOINT = savedEndpoint;
});

describe('openStore: files', () => {
  it('file://./runs resolves against cwd', () => {
    const store = openStore('file://./runs', { cwd: '/srv/app' });
    expect(store).toBeInstanceOf(FileStore);
    expect((store as FileStore).root).toBe('/srv/app/runs');
    expect(store.uri).toBe('file:///srv/app/runs');
  });

  it('file:///abs and plain paths', () => {
    expect((openStore('file:///data/runs') as FileStore).root).toBe('/data/runs');
    expect((openStore('/data/runs/') as FileStore).root).toBe('/data/runs');
    expect((openStore('runs', { cwd: '/w' }) as FileStore).root).toBe('/w/runs');
    expect((openStore('./a/../runs', { cwd: '/w' }) as FileStore).root).toBe('/w/runs');
    expect((openStore('runs') as FileStore).root).toBe(resolve('runs'));
  });

  it('a store reopened from its own uri has the same root', () => {
    const first = openStore('./some dir/100%/runs', { cwd: '/w' });
    expect(openStore(first.uri).uri).toBe(first.uri);
  });
});

describe('openStore: S3', () => {
  it('s3://bucket/prefix gives an S3Store with that prefix', () => {
    const store = openStore('s3://my-bucket/team/runs/', { region: 'eu-west-1' });
    expect(store).toBeInstanceOf(S3Store);
    const s3 = store as S3Store;
    expect([s3.bucket, s3.prefix, s3.uri]).toEqual(['my-bucket', 'team/runs', 's3://my-bucket/team/runs']);
    s3.client.destroy();
    const bare = openStore('s3://my-bucket') as S3Store;
    expect([bare.prefix, bare.uri]).toEqual(['', 's3://my-bucket']);
    bare.client.destroy();
  });

  it('takes the endpoint from the options, else from COSEARCH_S3_ENDPOINT', async () => {
    process.env.COSEARCH_S3_ENDPOINT = 'http://127.0.0.1:4568';
    const fromEnv = openStore('s3://my-bucket/p') as S3Store;
    const endpoint = await fromEnv.client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:4568');
    expect(fromEnv.client.config.forcePathStyle).toBe(true);
    const fromOption = openStore('s3://my-bucket/p', { endpoint: 'http://localhost:9000' }) as S3Store;
    expect((await fromOption.client.config.endpoint?.())?.port).toBe(9000);
    delete process.env.COSEARCH_S3_ENDPOINT;
    const aws = openStore('s3://my-bucket/p') as S3Store;
    expect(aws.client.config.forcePathStyle).toBeFalsy();
    for (const s of [fromEnv, fromOption, aws]) s.client.destroy();
  });
});

describe('openStore: bad URIs', () => {
  it.each([
    ['http://example.com/runs', /unsupported store URI "http:\/\/example.com\/runs"/],
    ['gs://bucket/runs', /unsupported store URI "gs:\/\/bucket\/runs"/],
    ['s3://Bad_Bucket/x', /bad store URI "s3:\/\/Bad_Bucket\/x": .*"Bad_Bucket" is not a valid bucket name/],
    ['s3://', /bad store URI "s3:\/\/"/],
    ['s3://bucket/a/../b', /bad store URI .*invalid store key/],
    ['file://', /store URI "file:\/\/" has no path/],
    ['', /empty store URI/],
  ])('%j is refused with a message naming it', (uri, message) => {
    expect(() => openStore(uri)).toThrow(message);
  });
});

describe('openStore against s3rver', () => {
  let server: RunningS3rver;
  let dir: string;
  beforeAll(async () => {
    server = await startS3rver('open-store-test');
    dir = await mkdtemp(join(tmpdir(), 'cosearch-open-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the same calls work on a file store and an s3 store chosen by URI', async () => {
    process.env.COSEARCH_S3_ENDPOINT = server.endpoint;
    const stores = [
      openStore(`s3://${server.bucket}/runs`, { credentials: server.credentials }),
      openStore(`file://${dir}/runs`),
    ];
    for (const store of stores) {
      await store.put('searches/x/spec.json', '{"name":"x"}');
      await store.putIfAbsent('searches/x/policy/iter-0.json', '{}');
      expect((await store.list('searches/x/')).keys).toEqual([
        'searches/x/policy/iter-0.json',
        'searches/x/spec.json',
      ]);
      expect(new TextDecoder().decode(await store.get('searches/x/spec.json'))).toBe('{"name":"x"}');
    }
    (stores[0] as S3Store).client.destroy();
  });
});
