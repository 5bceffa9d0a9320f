// Store over an S3 bucket (or any S3-compatible endpoint). Keys live under an optional prefix.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { assertValidKey, assertValidPrefix, checkMaxKeys } from '../../core/store/file-store.js';
import { S3_BUCKET_NAME, trimPrefix } from '../../core/store/s3-uri.js';
import type { ListOptions, ListPage, Store } from '../../core/store/store.js';
import { AlreadyExistsError, NotFoundError, namingKey } from '../../core/store/store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash. */
  prefix?: string;
  /** A ready client; the options below are then ignored. */
  client?: S3Client;
  /** Custom endpoint (s3rver, MinIO, LocalStack); path-style addressing is used with it. */
  endpoint?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  credentials?: S3ClientConfig['credentials'];
}

/** Client settings that work on AWS and on S3-compatible servers alike. */
export function s3ClientConfig(
  options: Omit<S3StoreOptions, 'bucket' | 'prefix' | 'client'>,
): S3ClientConfig {
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // Newer SDKs add CRC checksums by default, which many S3-compatible servers reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = true;
  }
  if (options.credentials) config.credentials = options.credentials;
  return config;
}

interface ServiceErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function errorInfo(e: unknown): { name: string | undefined; status: number | undefined } {
  const x = (e ?? {}) as ServiceErrorShape;
  return { name: x.name ?? x.Code, status: x.$metadata?.httpStatusCode };
}

const encoder = new TextEncoder();

/** Bytes with a known length: the SDK warns about (and may stream) bodies it cannot measure, such as ''. */
function bodyOf(body: Uint8Array | string): { Body: Uint8Array; ContentLength: number } {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  return { Body: bytes, ContentLength: bytes.byteLength };
}

function contentType(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.html')) return 'text/html; charset=utf-8';
  return 'application/octet-stream';
}

export class S3Store implements Store {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  readonly uri: string;

  constructor(options: S3StoreOptions) {
    if (!S3_BUCKET_NAME.test(options.bucket))
      throw new Error(`invalid S3 bucket name ${JSON.stringify(options.bucket)}`);
    this.bucket = options.bucket;
    this.prefix = trimPrefix(options.prefix ?? '');
    if (this.prefix !== '') assertValidKey(this.prefix);
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
    this.uri = this.prefix ? `s3://${this.bucket}/${this.prefix}` : `s3://${this.bucket}`;
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async get(key: string): Promise<Uint8Array> {
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (e) {
      const { name, status } = errorInfo(e);
      if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) throw new NotFoundError(key);
      throw namingKey(e, key, this.uri);
    }
  }

  async tryGet(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.get(key);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const Key = this.fullKey(key);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key, ...bodyOf(body), ContentType: contentType(key) }),
    );
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<void> {
    const Key = this.fullKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          ...bodyOf(body),
          ContentType: contentType(key),
          IfNoneMatch: '*',
        }),
      );
    } catch (e) {
      const { name, status } = errorInfo(e);
      // 412: the object exists. 409: a concurrent conditional write to the key won the race.
      if (status === 412 || name === 'PreconditionFailed') throw new AlreadyExistsError(key);
      if (status === 409 && name === 'ConditionalRequestConflict') throw new AlreadyExistsError(key);
      throw e;
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    const maxKeys = checkMaxKeys(options.maxKeys);
    const base = this.prefix ? `${this.prefix}/` : '';
    const out = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: base + prefix,
        MaxKeys: maxKeys,
        ...(options.nextToken ? { ContinuationToken: options.nextToken } : {}),
      }),
    );
    const keys = (out.Contents ?? []).flatMap((o) =>
      o.Key?.startsWith(base) ? [o.Key.slice(base.length)] : [],
    );
    return out.IsTruncated && out.NextContinuationToken
      ? { keys, nextToken: out.NextContinuationToken }
      : { keys };
  }

  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    // S3 deletes are idempotent: a missing key is not an error.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }
}
