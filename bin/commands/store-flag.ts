import { resolve } from 'node:path';
import { SEARCH_ID_PATTERN } from '../../core/engine/keys.js';
import type { Store } from '../../core/store/store.js';
import { openStore } from '../../lambdas/store/open-store.js';
import { UsageError } from '../cli.js';

export const DEFAULT_STORE = 'file://./runs';
export const storeOption = {
  store: {
    type: 'string',
    value: 'URI',
    default: DEFAULT_STORE,
    description: 'where searches live: file://DIR, a plain path, or s3://bucket/prefix',
  },
} as const;

export const jsonOption = {
  json: { type: 'boolean', description: 'print one JSON object on stdout instead of text' },
} as const;

export function openStoreFlag(uri: string): Store {
  try {
    return openStore(uri);
  } catch (e) {
    throw new UsageError(`--store: ${(e as Error).message}`);
  }
}

/** Where a key is, for a person: a file path for file stores, a URI otherwise. */
export function locate(store: Store, key: string): string {
  return store.uri.startsWith('file://')
    ? resolve(store.uri.slice('file://'.length), key)
    : `${store.uri.replace(/\/$/, '')}/${key}`;
}

/** The one SEARCH_ID positional of a command, checked. */
export function searchIdArg(positionals: string[]): string {
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('give exactly one SEARCH_ID');
  if (!SEARCH_ID_PATTERN.test(id)) throw new UsageError(`invalid search id "${id}"`);
  return id;
}

/** ` --store URI` when the store is not the default, for commands printed for people to run. */
export function storeSuffix(store: Store): string {
  return store.uri === openStoreFlag(DEFAULT_STORE).uri ? '' : ` --store ${store.uri}`;
}
