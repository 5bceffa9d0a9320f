// The behaviour every Store must have, as one suite run against each implementation.
import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../../core/store/file-store.js';
import { getJson, listAll, putJson, putJsonOnce, tryGetJson } from '../../../core/store/json.js';
import type { Store } from '../../../core/store/store.js';
import { AlreadyExistsError, NotFoundError } from '../../../core/store/store.js';

export interface StoreContractOptions {
  /** Whether the backend honours create-only writes (s3rver ignores If-None-Match). */
  conditionalPut: boolean;
  /**
   * Whether keys with characters below '/' ('-', '.') list in true byte order next to a
   * directory-like sibling, as S3 does. s3rver walks its directory tree instead.
   */
  byteOrderAcrossSegments: boolean;
}

const text = new TextDecoder();

/** Run fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (x: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Byte order, the order S3 lists keys in. */
export function byteSorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export const BAD_KEYS: readonly string[] = [
  '',
  '../escape',
  'a/../../escape',
  '..',
  './a',
  'a/./b',
  '/etc/passwd',
  'a\\..\\b',
  'a//b',
  'a/',
  'a\0b',
];

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  options: StoreContractOptions,
): void {
  describe(`Store contract: ${name}`, () => {
    it('round-trips bytes and strings', async () => {
      const store = await makeStore();
      const bytes = new Uint8Array(256).map((_, i) => i);
      await store.put('searches/s1/blob.bin', bytes);
      expect(Array.from(await store.get('searches/s1/blob.bin'))).toEqual(Array.from(bytes));
      await store.put('searches/s1/note.txt', 'héllo, wörld ✓');
      expect(text.decode(await store.get('searches/s1/note.txt'))).toBe('héllo, wörld ✓');
      await store.put('empty', '');
      expect((await store.get('empty')).length).toBe(0);
    });

    it('put replaces an existing object', async () => {
      const store = await makeStore();
      await store.put('k.json', 'first version, longer');
      await store.put('k.json', 'second');
      expect(text.decode(await store.get('k.json'))).toBe('second');
    });

    it('get of a missing key throws NotFoundError naming the key; tryGet gives undefined', async () => {
      const store = await makeStore();
      const err = await store.get('searches/none/spec.json').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).key).toBe('searches/none/spec.json');
      expect(await store.tryGet('searches/none/spec.json')).toBeUndefined();
      expect(await tryGetJson(store, 'searches/none/spec.json')).toBeUndefined();
    });

    it('putIfAbsent creates a missing object', async () => {
      const store = await makeStore();
      await store.putIfAbsent('searches/s/policy/iter-0.json', '{"k":0}');
      expect(text.decode(await store.get('searches/s/policy/iter-0.json'))).toBe('{"k":0}');
    });

    if (options.conditionalPut) {
      it('putIfAbsent on an existing key fails with AlreadyExistsError and leaves the object alone', async () => {
        const store = await makeStore();
        await store.putIfAbsent('imm.json', 'original');
        const err = await store.putIfAbsent('imm.json', 'intruder').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AlreadyExistsError);
        expect((err as AlreadyExistsError).key).toBe('imm.json');
        expect(text.decode(await store.get('imm.json'))).toBe('original');
        // put (unconditional) still replaces it
        await store.put('imm.json', 'replaced');
        expect(text.decode(await store.get('imm.json'))).toBe('replaced');
      });

      it('putJsonOnce accepts an identical retry and refuses different content', async () => {
        const store = await makeStore();
        await putJsonOnce(store, 'once.json', { a: 1 });
        await putJsonOnce(store, 'once.json', { a: 1 });
        await expect(putJsonOnce(store, 'once.json', { a: 2 })).rejects.toBeInstanceOf(AlreadyExistsError);
        expect(await getJson(store, 'once.json')).toEqual({ a: 1 });
      });
    }

    it('json helpers round-trip', async () => {
      const store = await makeStore();
      await putJson(store, 'x/state.json', { iteration: 3, ids: ['a', 'b'] });
      expect(await getJson(store, 'x/state.json')).toEqual({ iteration: 3, ids: ['a', 'b'] });
    });

    it('delete removes the object and is idempotent', async () => {
      const store = await makeStore();
      await store.put('d/one', '1');
      await store.put('d/two', '2');
      await store.delete('d/one');
      await store.delete('d/one');
      await store.delete('never/existed');
      expect(await store.tryGet('d/one')).toBeUndefined();
      expect((await store.list('d/')).keys).toEqual(['d/two']);
    });

    it('lists keys under a prefix in byte order, including partial-segment prefixes', async () => {
      const store = await makeStore();
      const keys = ['a0', 'a/b', 'b', 'a/b2/c', 'a/b1', 'ab/x'];
      if (options.byteOrderAcrossSegments) keys.push('a.json', 'a-c');
      await Promise.all(keys.map((k) => store.put(k, k)));
      expect((await store.list('')).keys).toEqual(byteSorted(keys));
      expect((await store.list('a/')).keys).toEqual(['a/b', 'a/b1', 'a/b2/c']);
      expect((await store.list('a/b')).keys).toEqual(['a/b', 'a/b1', 'a/b2/c']);
      expect((await store.list('a/b2')).keys).toEqual(['a/b2/c']);
      expect((await store.list('a')).keys).toEqual(byteSorted(keys.filter((k) => k.startsWith('a'))));
      expect((await store.list('ab')).keys).toEqual(['ab/x']);
      expect(await store.list('zzz')).toEqual({ keys: [] });
      expect(await store.list('a/zzz/')).toEqual({ keys: [] });
    });

    it('paginates with a small maxKeys and nextToken, without gaps or repeats', async () => {
      const store = await makeStore();
      const keys = Array.from(
        { length: 23 },
        (_, i) => `p/iter-${i % 4}/c${String(i).padStart(2, '0')}.json`,
      );
      await Promise.all(keys.map((k) => store.put(k, '{}')));
      const pages: string[][] = [];
      let nextToken: string | undefined;
      do {
        const page = await store.list('p/', { maxKeys: 5, ...(nextToken ? { nextToken } : {}) });
        pages.push(page.keys);
        nextToken = page.nextToken;
      } while (nextToken);
      expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.flat()).toEqual(byteSorted(keys));
    });

    it('lists past 1,000 keys: a full first page of 1,000, then the rest', async () => {
      const store = await makeStore();
      const keys = Array.from(
        { length: 1100 },
        (_, i) => `many/k${String((i * 7919) % 1100).padStart(4, '0')}`,
      );
      await mapLimit(keys, 32, (k) => store.put(k, k));
      const first = await store.list('many/');
      expect(first.keys.length).toBe(1000);
      expect(first.nextToken).toBeTruthy();
      const second = await store.list('many/', { nextToken: first.nextToken! });
      expect(second.keys.length).toBe(100);
      expect(second.nextToken).toBeUndefined();
      expect([...first.keys, ...second.keys]).toEqual(byteSorted(keys));
      expect(await listAll(store, 'many/')).toEqual(byteSorted(keys));
    }, 60_000);

    it('refuses keys that escape the root or are malformed, for every operation', async () => {
      const store = await makeStore();
      for (const key of BAD_KEYS) {
        for (const op of [
          () => store.get(key),
          () => store.tryGet(key),
          () => store.put(key, 'x'),
          () => store.putIfAbsent(key, 'x'),
          () => store.delete(key),
        ]) {
          const err = await op().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `key ${JSON.stringify(key)}`).toBeInstanceOf(InvalidKeyError);
          expect((err as Error).message).toContain(JSON.stringify(key));
        }
      }
      for (const prefix of ['../', '/abs', 'a/../', 'a\\b']) {
        await expect(store.list(prefix), prefix).rejects.toBeInstanceOf(InvalidKeyError);
      }
      await expect(store.list('', { maxKeys: 0 })).rejects.toThrow(/maxKeys/);
    });
  });
}
