import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SEARCH_ID_PATTERN } from '../../core/engine/keys.js';
import { FileStore, TEMP_MARKER } from '../../core/store/file-store.js';
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

/** What a command does with its store: reads searches in it, or writes them (creating the directory). */
export type StoreUse = 'read' | 'write';

/**
 * The --store a command was given, checked before anything is read or written: a file store's
 * directory must exist to be read (the default ./runs may be absent: nothing has run yet) and
 * must be creatable and writable to be written. A path that cannot be used exits 2 naming it.
 */
export async function openStoreFlag(uri: string, use: StoreUse): Promise<Store> {
  let store: Store;
  try {
    store = openStore(uri);
  } catch (e) {
    throw new UsageError(`--store: ${(e as Error).message}`);
  }
  if (store instanceof FileStore)
    await usableDir('store', uri, store.root, use, use === 'read' && store.uri === defaultStoreUri());
  return store;
}

function defaultStoreUri(): string {
  return openStore(DEFAULT_STORE).uri;
}

const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);

/**
 * Checks that `path` (given as `given` to --flag) is a directory this process can read, or for
 * 'write' can create and write in. Missing directories are created one level at a time: Node's
 * recursive mkdir spins forever where a parent exists but refuses children (under /proc, or a
 * symbolic link to nothing), which is how `--store /proc/x` used to hang.
 */
export async function usableDir(
  flag: string,
  given: string,
  path: string,
  use: StoreUse,
  mayBeMissing = false,
): Promise<void> {
  const bad = (why: string) => new UsageError(`--${flag} ${given}: ${why}`);
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const st = await stat(at).catch((e: unknown) => e as NodeJS.ErrnoException);
    if (!(st instanceof Error)) {
      if (!st.isDirectory()) throw bad(`${at} is not a directory`);
      break;
    }
    if (st.code !== 'ENOENT' && st.code !== 'ENOTDIR') throw bad(`cannot use ${at}: ${codeOf(st)}`);
    // stat follows links: a name that lstat finds is a link to nothing, which mkdir cannot replace.
    if (
      await lstat(at).then(
        () => true,
        () => false,
      )
    )
      throw bad(`${at} is a symbolic link to nothing`);
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  if (use === 'read') {
    if (missing.length > 0 && !mayBeMissing) throw bad(`no such directory ${resolve(path)}`);
    return;
  }
  for (const dir of missing)
    await mkdir(dir).catch((e: unknown) => {
      const code = codeOf(e);
      if (code === 'EEXIST') return;
      // ENOENT with the parent in place: a file system that holds no new directories (/proc).
      const hint = code === 'ENOENT' ? ` (${dirname(dir)} exists but does not accept new directories)` : '';
      throw bad(`cannot create the directory ${dir}: ${code}${hint}`);
    });
  // Permission bits do not tell (root passes them, and /proc refuses files anyway): write a file.
  const probe = join(resolve(path), `${TEMP_MARKER}probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    throw bad(`cannot write in ${resolve(path)}: ${codeOf(e)}`);
  }
  await unlink(probe).catch(() => {});
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
  return store.uri === defaultStoreUri() ? '' : ` --store ${store.uri}`;
}
