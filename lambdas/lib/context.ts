// What every handler shares: the store named by COSEARCH_STORE, and a reader for s3:// datasets.
import type { StepContext } from '../../core/engine/state.js';
import { parseS3Uri } from '../../core/store/s3-uri.js';
import type { Store } from '../../core/store/store.js';
import { trainerBackendFromEnv } from '../../core/training/backends.js';
import { openStore } from '../store/open-store.js';

let cached: { uri: string; ctx: StepContext } | undefined;

export function storeUri(): string {
  const uri = process.env.COSEARCH_STORE;
  if (!uri) throw new Error('COSEARCH_STORE is not set (file://PATH or s3://BUCKET/PREFIX)');
  return uri;
}

/** A reader for s3://bucket/key URIs, one S3 store per bucket. */
export function s3Reader(): (uri: string) => Promise<Uint8Array> {
  const stores = new Map<string, Store>();
  return async (uri) => {
    const { bucket, key } = parseS3Uri(uri, { requireKey: true });
    const s = stores.get(bucket) ?? openStore(`s3://${bucket}`);
    stores.set(bucket, s);
    return s.get(key);
  };
}

/** The step context, built once per container (warm invocations reuse the clients). */
export function stepContext(): StepContext {
  const uri = storeUri();
  if (cached?.uri !== uri)
    cached = {
      uri,
      ctx: {
        store: openStore(uri),
        readBytes: s3Reader(),
        costBackend: trainerBackendFromEnv(process.env.COSEARCH_TRAINER_BACKEND),
      },
    };
  return cached.ctx;
}
