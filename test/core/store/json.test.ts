// A stored object that is not JSON is reported with its key and store, never as a bare
// "Unterminated string in JSON at position N".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../../core/store/file-store.js';
import { getJson, putJson, tryGetJson } from '../../../core/store/json.js';
import { CorruptObjectError } from '../../../core/store/store.js';

let dir: string;
let store: FileStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-json-'));
  store = new FileStore(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reading stored JSON', () => {
  it('names the key and the store when an object is truncated', async () => {
    const key = 'searches/s1/metrics/iter-1/abc/training.json';
    await putJson(store, key, { cid: 'abc', status: 'ok', reason: 'a long enough string' });
    const whole = new TextDecoder().decode(await store.get(key));
    await store.put(key, whole.slice(0, 20));
    for (const read of [getJson, tryGetJson]) {
      const e = await read(store, key).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CorruptObjectError);
      expect((e as CorruptObjectError).key).toBe(key);
      expect((e as Error).message).toContain(`corrupt object: ${key} in ${store.uri}`);
      expect((e as Error).message).toMatch(/not valid JSON \(.*JSON.*\)/);
    }
  });

  it('says an empty object is empty', async () => {
    await store.put('searches/s1/state.json', '');
    await expect(getJson(store, 'searches/s1/state.json')).rejects.toThrow(
      /searches\/s1\/state\.json .*: it is empty/,
    );
  });

  it('still reads whole objects and absent ones', async () => {
    await putJson(store, 'a.json', { x: 1 });
    expect(await getJson(store, 'a.json')).toEqual({ x: 1 });
    expect(await tryGetJson(store, 'absent.json')).toBeUndefined();
  });
});
