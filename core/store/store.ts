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
