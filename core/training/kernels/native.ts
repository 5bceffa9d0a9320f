// The optional native kernels (native/kernels/*.cc): compiled with the system g++ on first use (or
// by `npx tsx native/build.ts`), loaded through N-API, and skipped when either fails.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import type { Binding } from './binding.js';

export const NATIVE_DIR = fileURLToPath(new URL('../../../native/kernels/', import.meta.url));

/** The kernel sources (.cc compiled, .h hashed too), sorted so the hash is stable. */
function sources(dir = NATIVE_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.(cc|h)$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Where the binary goes: $COSEARCH_NATIVE_DIR, else .tmp/native in the project (git-ignored). */
export function nativeBinaryPath(): string {
  const dir =
    process.env.COSEARCH_NATIVE_DIR ?? fileURLToPath(new URL('../../../.tmp/native', import.meta.url));
  // -march=native: the binary is for this machine's CPU family; keyed by platform and arch, and
  // by the source's hash so an edited source is rebuilt rather than a stale binary loaded.
  let hash = 'nosource'; // no source: only a prebuilt binary can be used
  const files = sources();
  if (files.length > 0) {
    const h = createHash('sha256');
    for (const f of files) h.update(f.slice(NATIVE_DIR.length)).update('\0').update(readFileSync(f));
    hash = h.digest('hex').slice(0, 12);
  }
  return join(dir, `${process.platform}-${process.arch}-${hash}`, 'cosearch_kernels.node');
}

/** Node's N-API headers: next to the running node, or the system's. */
function includeDirs(): string[] {
  const candidates = [
    join(process.execPath, '..', '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.filter((d) => existsSync(join(d, 'node_api.h')));
}

/**
 * Compiles the kernels (those in `dir`: the GEMM bench builds an older revision beside the current
 * one); throws with the compiler's message on failure.
 */
export function buildNative(out = nativeBinaryPath(), dir = NATIVE_DIR): string {
  const inc = includeDirs();
  if (inc.length === 0) throw new Error('node_api.h not found (install nodejs headers)');
  const cc = sources(dir).filter((f) => f.endsWith('.cc'));
  if (cc.length === 0) throw new Error(`no kernel sources in ${dir}`);
  mkdirSync(join(out, '..'), { recursive: true });
  const tmp = `${out}.${process.pid}-${threadId}.tmp`;
  const cxx = process.env.CXX ?? 'g++';
  execFileSync(
    cxx,
    [
      '-O3',
      // No fused multiply-adds unless written out: batchnorm.cc matches the JS loops bit for bit.
      '-ffp-contract=off',
      '-march=native',
      '-std=c++17',
      '-shared',
      '-fPIC',
      '-pthread',
      `-I${inc[0]}`,
      '-DNODE_GYP_MODULE_NAME=cosearch_kernels',
      ...cc,
      '-o',
      tmp,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 },
  );
  renameSync(tmp, out); // atomic: concurrent workers never load a half-written binary
  return out;
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Builds unless another thread or process is already building (a lock file says so); then waits
 * for its binary, so every worker of a pool ends up on the same kernels.
 */
function buildOnce(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const lock = `${path}.lock`;
  let fd: number | undefined;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    // A lock older than the compiler timeout is from a builder that died.
    if (Date.now() - statSync(lock).mtimeMs > 150_000) rmSync(lock, { force: true });
    for (let waited = 0; waited < 150_000 && !existsSync(path) && existsSync(lock); waited += 200) sleep(200);
    if (existsSync(path)) return;
    throw new Error('another build of the native kernels did not finish');
  }
  try {
    buildNative(path);
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

let loaded: { binding?: Binding; error?: string } | undefined;

/** The binding, building it first when allowed (COSEARCH_NATIVE_BUILD=0 disables that). */
export function loadNative(): { binding?: Binding; error?: string } {
  if (loaded) return loaded;
  const path = nativeBinaryPath();
  try {
    if (!existsSync(path)) {
      if (process.env.COSEARCH_NATIVE_BUILD === '0') throw new Error(`not built (${path})`);
      buildOnce(path);
    }
    loaded = { binding: createRequire(import.meta.url)(path) as Binding };
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    loaded = { error: (err.stderr?.toString().split('\n')[0] || err.message).slice(0, 300) };
  }
  return loaded;
}
