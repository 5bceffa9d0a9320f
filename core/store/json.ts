import type { Store } from './store.js';
import { AlreadyExistsError, CorruptObjectError } from './store.js';

const decoder = new TextDecoder();

/** Parse an object's bytes; a parse failure names the key (JSON.parse alone says only a position). */
export function parseJsonObject<T>(store: Store, key: string, bytes: Uint8Array): T {
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const what = text.trim() === '' ? 'it is empty' : `it is not valid JSON (${(e as Error).message})`;
    throw new CorruptObjectError(key, store.uri, what);
  }
}

export async function getJson<T = unknown>(store: Store, key: string): Promise<T> {
  return parseJsonObject<T>(store, key, await store.get(key));
}

export async function tryGetJson<T = unknown>(store: Store, key: string): Promise<T | undefined> {
  const bytes = await store.tryGet(key);
  return bytes === undefined ? undefined : parseJsonObject<T>(store, key, bytes);
}

export async function putJson(store: Store, key: string, value: unknown): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Write an immutable object. A retry that finds identical content is fine; different
 * content under the same key is a real conflict and throws.
 */
export async function putJsonOnce(store: Store, key: string, value: unknown): Promise<void> {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  try {
    await store.putIfAbsent(key, body);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
    const existing = decoder.decode(await store.get(key));
    if (existing !== body) throw e;
  }
}

/** Every key under a prefix, following pagination. */
export async function listAll(store: Store, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.list(prefix, nextToken ? { nextToken } : {});
    out.push(...page.keys);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}
