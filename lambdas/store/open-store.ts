// Choose a Store from a location URI. Lives outside core because it can build an S3 store.
import { resolve } from 'node:path';
import { FileStore } from '../../core/store/file-store.js';
import { isS3Uri, parseS3Uri } from '../../core/store/s3-uri.js';
import type { Store } from '../../core/store/store.js';
import { S3Store, type S3StoreOptions } from './s3-store.js';

export interface OpenStoreOptions extends Omit<S3StoreOptions, 'bucket' | 'prefix'> {
  /** Base for relative file paths; default process.cwd(). */
  cwd?: string;
}

const SUPPORTED = 'use file://PATH, s3://BUCKET/PREFIX or a plain directory path';

/**
 * `file://./runs`, `file:///abs/runs`, `./runs`, `/abs/runs` give a FileStore;
 * `s3://bucket/prefix` an S3Store (endpoint from options, else COSEARCH_S3_ENDPOINT).
 */
export function openStore(uri: string, options: OpenStoreOptions = {}): Store {
  const { cwd = process.cwd(), ...s3Options } = options;
  if (typeof uri !== 'string' || uri.trim() === '') throw new Error(`empty store URI: ${SUPPORTED}`);
  if (uri.startsWith('file://')) {
    // Not percent-decoded: FileStore.uri is `file://` + the raw path, and must open the same root.
    const path = uri.slice('file://'.length);
    if (path === '') throw new Error(`store URI "${uri}" has no path: ${SUPPORTED}`);
    return new FileStore(resolve(cwd, path));
  }
  if (isS3Uri(uri)) {
    const endpoint = s3Options.endpoint ?? (process.env.COSEARCH_S3_ENDPOINT || undefined);
    try {
      const { bucket, key: prefix } = parseS3Uri(uri);
      return new S3Store({ ...s3Options, bucket, prefix, ...(endpoint ? { endpoint } : {}) });
    } catch (e) {
      throw new Error(`bad store URI "${uri}": ${(e as Error).message}`);
    }
  }
  // Any other scheme (two or more letters, so a Windows drive letter still reads as a path).
  if (/^[a-z][a-z0-9+.-]+:/i.test(uri)) throw new Error(`unsupported store URI "${uri}": ${SUPPORTED}`);
  return new FileStore(resolve(cwd, uri));
}
