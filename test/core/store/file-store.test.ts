import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FileStore, keyProblem, ORPHAN_TEMP_MS, TEMP_MARKER } from '../../../core/store/file-store.js';
import { listAll } from '../../../core/store/json.js';
import { AlreadyExistsError } from '../../../core/store/store.js';
import { byteSorted, describeStoreContract } from './store-contract.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cosearch-fs-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describeStoreContract('FileStore', async () => new FileStore(join(await freshDir(), 'runs')), {
  conditionalPut: true,
  byteOrderAcrossSegments: true,
});

describe('FileStore', () => {
  it('has a file:// uri of its absolute root', async () => {
    const d = await freshDir();
    const store = new FileStore(join(d, 'a', '..', 'runs'));
    expect(store.uri).toBe(`file://${resolve(d, 'runs')}`);
    expect(store.root).toBe(resolve(d, 'runs'));
  });

  it('lists nothing (and does not fail) before the root exists', async () => {
    const store = new FileStore(join(await freshDir(), 'not-yet'));
    expect(await store.list('')).toEqual({ keys: [] });
    expect(await store.tryGet('x')).toBeUndefined();
  });

  it('stores keys as files under the root and leaves no temp files behind', async () => {
    const root = await freshDir();
    const store = new FileStore(root);
    await store.put('searches/s/spec.json', '{}');
    await store.putIfAbsent('searches/s/policy/iter-0.json', '{}');
    await store.putIfAbsent('searches/s/policy/iter-0.json', '{}').catch(() => {});
    await store.put('searches/s/spec.json', '{"v":2}');
    const files = (await allFiles(root)).map((f) => f.slice(root.length + 1)).sort();
    expect(files).toEqual(['searches/s/policy/iter-0.json', 'searches/s/spec.json']);
  });

  it('never lists temp files left by a crashed writer', async () => {
    const root = await freshDir();
    const store = new FileStore(root);
    await store.put('a/b.json', '1');
    await writeFile(join(root, 'a', `${TEMP_MARKER}999-1-dead`), 'partial');
    await writeFile(join(root, `${TEMP_MARKER}999-2-dead`), 'partial');
    expect(await listAll(store, '')).toEqual(['a/b.json']);
    expect(keyProblem(`a/${TEMP_MARKER}x`)).toMatch(/may not contain/);
  });

  it('removes temp files orphaned long ago when it lists their directory, and keeps fresh ones', async () => {
    const root = await freshDir();
    const store = new FileStore(root);
    await store.put('a/b.json', '1');
    const old = join(root, 'a', `${TEMP_MARKER}999-1-dead`);
    const fresh = join(root, 'a', `${TEMP_MARKER}999-2-live`);
    await writeFile(old, 'partial');
    await writeFile(fresh, 'being written');
    const longAgo = new Date(Date.now() - ORPHAN_TEMP_MS - 60_000);
    await utimes(old, longAgo, longAgo);
    expect(await listAll(store, 'a/')).toEqual(['a/b.json']);
    expect((await readdir(join(root, 'a'))).sort()).toEqual(['b.json', `${TEMP_MARKER}999-2-live`].sort());
  });

  it('fsyncs the data before the rename publishes it', async () => {
    const root = await freshDir();
    const store = new FileStore(root);
    await store.put('k.json', 'old');
    // FileHandle is not exported; take its prototype from a handle.
    const probe = await open(join(root, 'k.json'), 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const seenAtSync: string[] = [];
    const spy = vi.spyOn(proto, 'sync').mockImplementation(async () => {
      // At sync time neither write is published yet: the rename (or link) comes after.
      const other = await readFile(join(root, 'other.json'), 'utf8').catch(() => 'absent');
      seenAtSync.push(`${await readFile(join(root, 'k.json'), 'utf8')}/${other}`);
    });
    try {
      await store.put('k.json', 'new');
      await store.putIfAbsent('other.json', 'x');
    } finally {
      spy.mockRestore();
    }
    expect(seenAtSync).toEqual(['old/absent', 'new/absent']);
    expect(await readFile(join(root, 'k.json'), 'utf8')).toBe('new');
  });

  it('concurrent puts of one key end with one whole value, and readers never see a partial one', async () => {
    const store = new FileStore(await freshDir());
    const size = 512 * 1024;
    const values = Array.from({ length: 12 }, (_, i) => new Uint8Array(size).fill(65 + i));
    await store.put('hot.bin', values[0]!);
    const seen: number[] = [];
    const reads = Array.from({ length: 40 }, async () => {
      const b = await store.get('hot.bin');
      expect(b.length).toBe(size);
      expect(b.every((x) => x === b[0])).toBe(true);
      seen.push(b[0]!);
    });
    await Promise.all([...values.map((v) => store.put('hot.bin', v)), ...reads]);
    const final = await store.get('hot.bin');
    expect(final.length).toBe(size);
    expect(final.every((x) => x === final[0])).toBe(true);
    expect(final[0]).toBeGreaterThanOrEqual(65);
    expect(final[0]).toBeLessThan(65 + values.length);
    expect(seen.length).toBe(40);
    expect((await allFiles(store.root)).length).toBe(1);
  });

  it('concurrent putIfAbsent on one key: exactly one writer wins', async () => {
    const store = new FileStore(await freshDir());
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => store.putIfAbsent('searches/s/spec.json', `writer ${i}`)),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won.length).toBe(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
    expect(new TextDecoder().decode(await store.get('searches/s/spec.json'))).toBe(`writer ${won[0]}`);
    expect((await allFiles(store.root)).length).toBe(1);
  });

  it.runIf(process.platform === 'linux')(
    'fails, instead of spinning, where a parent exists but refuses new directories (/proc)',
    async () => {
      // Node's recursive mkdir loops forever here; one level at a time, the ENOENT is final.
      const store = new FileStore('/proc/cosearch-no-such-dir/runs');
      await expect(store.put('searches/a/state.json', '{}')).rejects.toThrow(/ENOENT/);
    },
    10_000,
  );

  it('never touches files outside its root', async () => {
    const parent = await freshDir();
    await writeFile(join(parent, 'secret'), 'keep');
    const store = new FileStore(join(parent, 'root'));
    await expect(store.get('../secret')).rejects.toThrow(/invalid store key/);
    await expect(store.delete('../secret')).rejects.toThrow(/"\.\." segment/);
    await expect(store.put('/tmp/x', 'x')).rejects.toThrow(/must be relative/);
    await expect(store.put('a\\b', 'x')).rejects.toThrow(/backslash/);
    await expect(store.put('a//b', 'x')).rejects.toThrow(/empty segment/);
    await expect(store.put('a\0b', 'x')).rejects.toThrow(/NUL/);
    expect((await stat(join(parent, 'secret'))).isFile()).toBe(true);
    expect(await readdir(parent)).toEqual(['secret']);
  });

  it('a key that is a directory of other keys is no object, and cannot be written over', async () => {
    const store = new FileStore(await freshDir());
    await store.put('a/b', '1');
    expect(await store.tryGet('a')).toBeUndefined();
    await expect(store.put('a', 'x')).rejects.toThrow(/other keys exist under a\//);
    await expect(store.putIfAbsent('a', 'x')).rejects.toThrow(/other keys exist under a\//);
    await expect(store.put('a/b/c', 'x')).rejects.toThrow(/parent of it is an object/);
    await store.delete('a');
    expect(await store.tryGet('a/b')).toBeDefined();
  });

  it('delete prunes directories it leaves empty, but not the root', async () => {
    const root = await freshDir();
    const store = new FileStore(root);
    await store.put('x/y/z.json', '1');
    await store.put('x/keep.json', '1');
    await store.delete('x/y/z.json');
    expect(await readdir(join(root, 'x'))).toEqual(['keep.json']);
    await store.delete('x/keep.json');
    expect(await readdir(root)).toEqual([]);
    // and the directory can be recreated afterwards
    await store.put('x/y/z.json', '2');
    expect((await store.list('x/')).keys).toEqual(['x/y/z.json']);
  });

  it('paginates a deep tree of 1,200 keys with maxKeys 7 in byte order', async () => {
    const root = await freshDir();
    const store = new FileStore(root);
    const keys: string[] = [];
    for (let i = 0; i < 1200; i++)
      keys.push(`searches/s${i % 3}/metrics/iter-${i % 10}/c${i}${i % 2 ? '.json' : '-x/a'}`);
    // Write the files directly: this test is about listing, not about put.
    await Promise.all(
      keys.map(async (k) => {
        await mkdir(join(root, ...k.split('/').slice(0, -1)), { recursive: true });
        await writeFile(join(root, ...k.split('/')), '');
      }),
    );
    const got: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.list('searches/', { maxKeys: 7, ...(nextToken ? { nextToken } : {}) });
      got.push(...page.keys);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(got).toEqual(byteSorted(keys));
    expect(pages).toBe(Math.ceil(1200 / 7));
    expect((await listAll(store, 'searches/s1/metrics/iter-3/')).length).toBe(40);
  });
});
