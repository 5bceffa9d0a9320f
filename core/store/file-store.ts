// Store over a local directory. Keys map to files under the root; writes go through a
// temp file in the target's directory so readers only ever see whole objects.
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ListOptions, ListPage, Store } from './store.js';
import { AlreadyExistsError, NotFoundError, namingKey } from './store.js';

/** Temp files carry this marker; keys may not, so listings can skip them safely. */
export const TEMP_MARKER = '.cosearch-tmp-';
export const DEFAULT_MAX_KEYS = 1000;
/**
 * A temp file older than this is an orphan (its writer died between write and rename): listing
 * a directory removes it. Writes take milliseconds, so a live writer's temp file is never this old.
 */
export const ORPHAN_TEMP_MS = 15 * 60 * 1000;
/** S3's limit on key length, applied to every store so keys stay portable. */
export const MAX_KEY_BYTES = 1024;

/** Why a key is unusable, or undefined when it is fine. Shared by every Store implementation. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'key must be a non-empty string';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `key longer than ${MAX_KEY_BYTES} bytes`;
  if (key.includes('\0')) return 'key contains a NUL character';
  if (key.includes('\\')) return 'key contains a backslash; use "/" to separate segments';
  if (key.startsWith('/')) return 'key must be relative (it starts with "/")';
  for (const seg of key.split('/')) {
    if (seg === '') return 'key has an empty segment ("//" or a trailing "/")';
    if (seg === '.' || seg === '..') return `key has a "${seg}" segment`;
    if (seg.includes(TEMP_MARKER)) return `key segments may not contain "${TEMP_MARKER}"`;
  }
  return undefined;
}

export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new InvalidKeyError(key, problem);
}

/** A list prefix: complete segments must be valid key segments; the last may be partial or empty. */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidKeyError(String(prefix), 'prefix must be a string');
  if (prefix === '') return;
  const cut = prefix.lastIndexOf('/');
  const last = prefix.slice(cut + 1);
  if (cut >= 0) assertValidKey(prefix.slice(0, cut));
  if (last.includes('\0') || last.includes('\\'))
    throw new InvalidKeyError(prefix, 'prefix contains a NUL character or a backslash');
}

export function checkMaxKeys(maxKeys: number | undefined): number {
  const n = maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`list: maxKeys must be a positive integer, got ${n}`);
  return n;
}

export class InvalidKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid store key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/** Byte-wise (UTF-8) order, the order S3 lists keys in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

let tempCounter = 0;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export class FileStore implements Store {
  readonly root: string;
  readonly uri: string;

  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    this.uri = `file://${this.root}`;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  async get(key: string): Promise<Uint8Array> {
    const bytes = await this.tryGet(key);
    if (bytes === undefined) throw new NotFoundError(key);
    return bytes;
  }

  async tryGet(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      const buf = await readFile(path);
      // A plain Uint8Array view (no copy), like the S3 store returns.
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      // A directory (because `key/...` exists) or a file where a directory is expected is no object.
      if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes(errno(e) ?? '')) return undefined;
      throw namingKey(e, key, this.uri);
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    const tmp = await this.writeTemp(key, path, body);
    try {
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      if (errno(e) === 'EISDIR' || errno(e) === 'ENOTEMPTY' || errno(e) === 'EEXIST')
        throw new Error(`cannot put ${key}: other keys exist under ${key}/ in ${this.uri}`);
      throw e;
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    const tmp = await this.writeTemp(key, path, body);
    try {
      // link() is atomic and fails with EEXIST if anything has the name, so only one writer wins.
      await link(tmp, path);
    } catch (e) {
      if (errno(e) === 'EEXIST') {
        const st = await lstat(path).catch(() => undefined);
        if (st?.isDirectory())
          throw new Error(`cannot put ${key}: other keys exist under ${key}/ in ${this.uri}`);
        throw new AlreadyExistsError(key);
      }
      throw e;
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (e) {
      if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errno(e) ?? '')) return;
      throw e;
    }
    await this.pruneEmptyDirs(dirname(path));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    const maxKeys = checkMaxKeys(options.maxKeys);
    const after = options.nextToken;
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut >= 0 ? prefix.slice(0, cut) : '';
    const keys: string[] = [];
    for await (const key of this.walk(dirKey, prefix, after)) {
      if (keys.length === maxKeys) return { keys, nextToken: keys[keys.length - 1]! };
      keys.push(key);
    }
    return { keys };
  }

  /**
   * Keys under dirKey that start with prefix and sort after `after`, in byte order. A
   * directory `d` sorts as `d/`, which makes the depth-first walk globally ordered; whole
   * subtrees that sort before `after` are skipped.
   */
  private async *walk(dirKey: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
    const dir = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
    let entries: { name: string; isDir: boolean; sortKey: string }[];
    try {
      const dirents = await readdir(dir, { withFileTypes: true });
      await this.removeOrphans(
        dir,
        dirents.filter((d) => d.name.includes(TEMP_MARKER)).map((d) => d.name),
      );
      entries = dirents
        .filter((d) => !d.name.includes(TEMP_MARKER) && (d.isDirectory() || d.isFile()))
        .map((d) => {
          const full = dirKey === '' ? d.name : `${dirKey}/${d.name}`;
          return { name: full, isDir: d.isDirectory(), sortKey: d.isDirectory() ? `${full}/` : full };
        });
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return;
      throw e;
    }
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const e of entries) {
      // Only descend where keys can still match the prefix.
      if (e.isDir) {
        if (!e.sortKey.startsWith(prefix) && !prefix.startsWith(e.sortKey)) continue;
        if (after !== undefined && compareKeys(e.sortKey, after) <= 0 && !after.startsWith(e.sortKey))
          continue;
        yield* this.walk(e.name, prefix, after);
      } else if (e.name.startsWith(prefix) && (after === undefined || compareKeys(e.name, after) > 0)) {
        yield e.name;
      }
    }
  }

  private async writeTemp(key: string, path: string, body: Uint8Array | string): Promise<string> {
    const dir = dirname(path);
    // Unique per process and call; the random part guards against other processes on shared disks.
    const name = `${TEMP_MARKER}${process.pid}-${++tempCounter}-${randomBytes(4).toString('hex')}`;
    const tmp = join(dir, name);
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdirLevels(dir);
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(body);
          // On disk before the rename or link publishes it: a crash never leaves a key naming a
          // file whose data was still in the page cache (a zero-length or torn object).
          await fh.sync();
        } finally {
          await fh.close();
        }
        return tmp;
      } catch (e) {
        // A concurrent delete may prune the directory between mkdir and write: try again.
        if (errno(e) === 'ENOENT' && attempt < 5) continue;
        if (errno(e) === 'ENOTDIR' || errno(e) === 'EEXIST')
          throw new Error(`cannot put ${key}: a parent of it is an object in ${this.uri}`);
        throw e;
      }
    }
  }

  /** Best effort: delete temp files older than ORPHAN_TEMP_MS (a concurrent delete may beat us). */
  private async removeOrphans(dir: string, names: string[]): Promise<void> {
    const now = Date.now();
    for (const name of names) {
      const path = join(dir, name);
      const st = await lstat(path).catch(() => undefined);
      if (st?.isFile() && now - st.mtimeMs > ORPHAN_TEMP_MS) await unlink(path).catch(() => {});
    }
  }

  /** Remove directories left empty by a delete, up to (not including) the root. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep) && dir.length > this.root.length + 1) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty, or already gone: either way stop here
      }
      dir = dirname(dir);
    }
  }
}

/**
 * mkdir -p one level at a time. Node's recursive mkdir spins forever where a parent exists but
 * refuses children (under /proc, or below a symbolic link to nothing); here that ENOENT is final.
 */
export async function mkdirLevels(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = errno(e);
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw e;
    const parentExisted = await lstat(parent).then(
      () => true,
      () => false,
    );
    if (parentExisted) throw e;
    await mkdirLevels(parent);
    await mkdir(dir).catch((again: unknown) => {
      if (errno(again) !== 'EEXIST') throw again;
    });
  }
}
