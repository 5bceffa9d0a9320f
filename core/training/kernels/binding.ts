// The surface both compiled kernel packs offer: the native addon (native.ts) and the WebAssembly
// module (wasm.ts) run the same C++ (native/kernels) behind it, and one adapter turns either into
// the ConvImpl, elementwise and batch-norm loops the kernel pack registers.
import { bindingBatchNorm } from './batchnorm.js';
import type { ConvGeom, ConvImpl } from './conv-impl.js';
import { type OutputArrays, OutputPool } from './pool.js';

export interface Binding {
  /**
   * Conv op 0-5 (ConvOp in native/kernels/common.h); writes `out` (a new array when omitted) and
   * returns it. The forward ops (0, 3) can add a bias of outC floats and apply ReLU on the way out.
   */
  conv(
    op: number,
    a: Float32Array,
    b: Float32Array,
    geom: Int32Array,
    out?: Float32Array,
    bias?: Float32Array | null,
    relu?: boolean,
  ): Float32Array;
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
  /** Batch-norm training forward over [n / c, c] (fills y, mean, variance, xhat, invStd); y after a ReLU if asked. */
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
    relu?: boolean,
  ): void;
  /** Its gradient (fills dx, dGamma, dBeta); after a fused ReLU, reluOut is the forward's y. */
  bnGrad(
    dy: Float32Array,
    xhat: Float32Array,
    invStd: Float64Array,
    gamma: Float32Array,
    c: number,
    dx: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array,
    reluOut?: Float32Array,
  ): void;
  /**
   * tfjs's BatchMatMul loops (native/kernels/matmul.cc) into out, returned: geom is batch, batchA,
   * batchB, M, N, K and the strides aBatch, aOuter, aInner, bBatch, bOuter, bInner.
   */
  matmul(a: Float32Array, b: Float32Array, geom: Int32Array, out: Float32Array): Float32Array;
  /** Threads the kernels split work over (1 until set); returns the previous count. */
  setThreads(n: number): number;
  /** Pieces of work the helper threads have run so far (0 while everything runs on the caller). */
  helperPieces(): number;
}

/**
 * Kernel threads from COSEARCH_THREADS (default 1: locally, children train in parallel on a worker
 * pool; a Lambda runs one child and sets it to its vCPUs). A bad value fails loudly: silently
 * falling back would only make training slower.
 */
export function kernelThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.COSEARCH_THREADS;
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(`COSEARCH_THREADS must be an integer from 1 to 64; got "${v}"`);
  return n;
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

/** A binding's kernels as a ConvImpl, writing into recycled arrays from `pool` (see pool.ts). */
export function bindingConvImpl(name: string, b: Binding, pool: OutputArrays = new OutputPool()): ConvImpl {
  const xs = (g: ConvGeom) => g.batch * g.inH * g.inW * g.inC;
  const ys = (g: ConvGeom) => g.batch * g.outH * g.outW * g.outC;
  const ws = (g: ConvGeom, depthwise: boolean) => g.kH * g.kW * g.inC * (depthwise ? 1 : g.outC);
  return {
    name,
    pool,
    batchNorm: bindingBatchNorm(b, pool),
    elementwise: {
      ew: (op, a, v, c) => b.ew(op, a, v, c, pool.alloc(a.length)),
      channelSum: (x, outer, inner, c, mean) => b.channelSum(x, outer, inner, c, mean, pool.alloc(outer * c)),
      alloc: (n) => pool.alloc(n),
    },
    matmul: (a, m, geom, n) => b.matmul(a, m, geom, pool.alloc(n)),
    conv2d: (x, w, g, e) =>
      b.conv(0, x, w, geomArray(g), pool.alloc(ys(g)), e?.bias ?? null, e?.relu ?? false),
    conv2dBackpropInput: (dy, w, g) => b.conv(1, dy, w, geomArray(g), pool.alloc(xs(g))),
    conv2dBackpropFilter: (x, dy, g) => b.conv(2, x, dy, geomArray(g), pool.alloc(ws(g, false))),
    depthwise: (x, w, g, e) =>
      b.conv(3, x, w, geomArray(g), pool.alloc(ys(g)), e?.bias ?? null, e?.relu ?? false),
    depthwiseBackpropInput: (dy, w, g) => b.conv(4, dy, w, geomArray(g), pool.alloc(xs(g))),
    depthwiseBackpropFilter: (x, dy, g) => b.conv(5, x, dy, geomArray(g), pool.alloc(ws(g, true))),
  };
}
