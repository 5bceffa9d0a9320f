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
import { nativeBatchNorm } from './batchnorm.js';
import type { ConvGeom, ConvImpl } from './conv-impl.js';
import { OutputPool } from './pool.js';

export const NATIVE_DIR = fileURLToPath(new URL('../../../native/kernels/', import.meta.url));

/** The kernel sources (.cc compiled, .h hashed too), sorted so the hash is stable. */
function sources(): string[] {
  try {
    return readdirSync(NATIVE_DIR)
      .filter((f) => /\.(cc|h)$/.test(f))
      .sort()
      .map((f) => join(NATIVE_DIR, f));
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

/** Compiles the kernels; throws with the compiler's message on failure. */
export function buildNative(out = nativeBinaryPath()): string {
  const inc = includeDirs();
  if (inc.length === 0) throw new Error('node_api.h not found (install nodejs headers)');
  const cc = sources().filter((f) => f.endsWith('.cc'));
  if (cc.length === 0) throw new Error(`no kernel sources in ${NATIVE_DIR}`);
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

export interface Binding {
  /** Conv op 0-5 (see nativeConvImpl); writes `out` (a new array when omitted) and returns it. */
  conv(op: number, a: Float32Array, b: Float32Array, geom: Int32Array, out?: Float32Array): Float32Array;
  /** Elementwise op (codes in native/kernels/elementwise.h); c is the channel count of vector ops. */
  ew(op: number, a: Float32Array, b: Float32Array, c: number, out?: Float32Array): Float32Array;
  /** Per-channel sums (or means) of an [outer, inner, c] array over inner. */
  channelSum(
    x: Float32Array,
    outer: number,
    inner: number,
    c: number,
    mean: boolean,
    out?: Float32Array,
  ): Float32Array;
  /** Batch-norm training forward over [n / c, c] (fills y, mean, variance, xhat, invStd). */
  bnTrain(
    x: Float32Array,
    c: number,
    gamma: Float32Array,
    beta: Float32Array,
    eps: number,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    xhat: Float32Array,
    invStd: Float64Array,
  ): void;
  /** Its gradient (fills dx, dGamma, dBeta). */
  bnGrad(
    dy: Float32Array,
    xhat: Float32Array,
    invStd: Float64Array,
    gamma: Float32Array,
    c: number,
    dx: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array,
  ): void;
  /** Threads the kernels split work over (default: COSEARCH_THREADS, else 1); returns the previous. */
  setThreads(n: number): number;
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

const geomArray = (g: ConvGeom): Int32Array =>
  Int32Array.of(
    g.batch,
    g.inH,
    g.inW,
    g.inC,
    g.outH,
    g.outW,
    g.outC,
    g.kH,
    g.kW,
    g.strideH,
    g.strideW,
    g.padTop,
    g.padLeft,
  );

/** The native kernels, writing into recycled arrays from `pool` (see pool.ts). */
export function nativeConvImpl(b: Binding, pool = new OutputPool()): ConvImpl {
  const xs = (g: ConvGeom) => g.batch * g.inH * g.inW * g.inC;
  const ys = (g: ConvGeom) => g.batch * g.outH * g.outW * g.outC;
  const ws = (g: ConvGeom, depthwise: boolean) => g.kH * g.kW * g.inC * (depthwise ? 1 : g.outC);
  return {
    name: 'native',
    pool,
    batchNorm: nativeBatchNorm(b),
    elementwise: {
      ew: (op, a, v, c) => b.ew(op, a, v, c, pool.alloc(a.length)),
      channelSum: (x, outer, inner, c, mean) => b.channelSum(x, outer, inner, c, mean, pool.alloc(outer * c)),
    },
    conv2d: (x, w, g) => b.conv(0, x, w, geomArray(g), pool.alloc(ys(g))),
    conv2dBackpropInput: (dy, w, g) => b.conv(1, dy, w, geomArray(g), pool.alloc(xs(g))),
    conv2dBackpropFilter: (x, dy, g) => b.conv(2, x, dy, geomArray(g), pool.alloc(ws(g, false))),
    depthwise: (x, w, g) => b.conv(3, x, w, geomArray(g), pool.alloc(ys(g))),
    depthwiseBackpropInput: (dy, w, g) => b.conv(4, dy, w, geomArray(g), pool.alloc(xs(g))),
    depthwiseBackpropFilter: (x, dy, g) => b.conv(5, x, dy, geomArray(g), pool.alloc(ws(g, true))),
  };
}
