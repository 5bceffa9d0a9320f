// Where a search keeps everything. Keys are relative, slash-separated paths such as
// `searches/{id}/spec.json`. Implementations: FileStore (core), S3Store (lambdas/).

/** Thrown by putIfAbsent when the key already exists: callers rely on this being distinct. */
export class AlreadyExistsError extends Error {
  constructor(readonly key: string) {
    super(`object already exists: ${key}`);
    this.name = 'AlreadyExistsError';
  }
}

export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no such object: ${key}`);
    this.name = 'NotFoundError';
  }
}

/**
 * A stored object that cannot be read as what it should be (truncated or not JSON). It names the
 * key and the store, so a failed resume or a failed search says which object to look at.
 */
export class CorruptObjectError extends Error {
  constructor(
    readonly key: string,
    readonly storeUri: string,
    reason: string,
  ) {
    super(`corrupt object: ${key} in ${storeUri}: ${reason}`);
    this.name = 'CorruptObjectError';
  }
}

/**
 * The error of a failed read, made to name the key and store (SDK and fs errors often do not:
 * "Access Denied", "EACCES"). The error keeps its class and name, so callers still match on them.
 */
export function namingKey(e: unknown, key: string, storeUri: string): unknown {
  if (e instanceof Error && !e.message.includes(key))
    e.message = `${e.message} (reading ${key} in ${storeUri})`;
  return e;
}

export interface ListPage {
  keys: string[];
  /** Present when more keys follow; pass it back to get the next page. */
  nextToken?: string;
}

export interface ListOptions {
  maxKeys?: number;
  nextToken?: string;
}

export interface Store {
  /** URI this store was opened from, e.g. `file:///abs/runs` or `s3://bucket/prefix`. */
  readonly uri: string;
  /** Bytes of the object, or NotFoundError. */
  get(key: string): Promise<Uint8Array>;
  /** Bytes, or undefined when absent. */
  tryGet(key: string): Promise<Uint8Array | undefined>;
  /** Atomic create-or-replace. */
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** Create only; AlreadyExistsError when the key exists. */
  putIfAbsent(key: string, body: Uint8Array | string): Promise<void>;
  /** Keys under a prefix in lexicographic order, one page at a time. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  delete(key: string): Promise<void>;
}
