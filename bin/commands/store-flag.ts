import { resolve } from 'node:path';
import type { Store } from '../../core/store/store.js';
import { openStore } from '../../lambdas/store/open-store.js';
import { UsageError } from '../cli.js';

export const DEFAULT_STORE = 'file://./runs';
export const storeOption = { store: { type: 'string', default: DEFAULT_STORE } } as const;

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
