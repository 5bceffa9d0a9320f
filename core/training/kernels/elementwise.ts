// Fast paths for the ops batch-norm training is made of: binary ops that broadcast a per-channel
// vector over a feature map, reductions to per-channel vectors, and tiling a channel vector.
// The tfjs cpu backend runs these through per-element index arithmetic (tens of ms per call).
// Anything else goes to the original kernel. With the native pack, the same cases run as C++ loops
// (native/kernels/elementwise.cc); the JS loops stay for the js pack and for what C++ does not cover.
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** The compiled loops (a subset of binding.ts's Binding), and where outputs come from. */
export interface NativeElementwise {
  ew(op: number, a: Float32Array, b: Float32Array, c: number): Float32Array;
  channelSum(x: Float32Array, outer: number, inner: number, c: number, mean: boolean): Float32Array;
  /** An output array for the JS loops too (recycled by the pack's output pool). */
  alloc(n: number): Float32Array;
}

/** Op codes of native/kernels/elementwise.h. */
export const EW = {
  Relu: 0,
  Step: 1,
  ReluGrad: 2,
  Add: 3,
  Sub: 4,
  Multiply: 5,
  RealDiv: 6,
  AddVec: 7,
  SubVec: 8,
  VecSub: 9,
  MultiplyVec: 10,
  DivVec: 11,
  VecDiv: 12,
} as const;

/** The compiled vector op for `name` with the vector as its second operand, or its first. */
const VEC_OPS: Record<string, [number, number]> = {
  Add: [EW.AddVec, EW.AddVec],
  Sub: [EW.SubVec, EW.VecSub],
  Multiply: [EW.MultiplyVec, EW.MultiplyVec],
  RealDiv: [EW.DivVec, EW.VecDiv],
};

/**
 * How an operand of shape `small` broadcasts over the full `shape` as rows of vectors: k vectors
 * of c floats, map row r (of c) taking vector r / (rows / k). A channel vector ([C], [1,1,1,C]) is
 * k = 1; a per-example one ([B,1,1,C], as global average pooling's gradient) is k = B; a scalar
 * is c = k = 1. Undefined for any other broadcast.
 */
export function vectorLayout(
  small: readonly number[],
  shape: readonly number[],
): { c: number; k: number } | undefined {
  const r = shape.length;
  if (small.length > r) return undefined;
  const s = [...new Array<number>(r - small.length).fill(1), ...small];
  if (s.every((d) => d === 1)) return { c: 1, k: 1 };
  const c = shape[r - 1]!;
  if (s[r - 1] !== c) return undefined;
  let lead = 0;
  while (lead < r - 1 && s[lead] === shape[lead]) lead++;
  for (let j = lead; j < r - 1; j++) if (s[j] !== 1) return undefined;
  return { c, k: size(s.slice(0, lead)) };
}
const NO_B = new Float32Array(0);

/** The part of the tfjs cpu backend the kernels here use. */
export interface CpuBackend {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

type Fallback = (args: Parameters<KernelFunc>[0]) => ReturnType<KernelFunc>;

export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A float32 tensor's values on the cpu backend (undefined for other dtypes). */
export function f32(b: CpuBackend, t: TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const v = b.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : undefined;
}

type Inner = (
  a: Float32Array,
  ao: number,
  ai: number,
  b: Float32Array,
  bo: number,
  bi: number,
  out: Float32Array,
  oo: number,
  n: number,
) => void;

// One specialized inner loop per op: a shared closure call per element would cost most of the gain.
const INNER: Record<string, Inner> = {
  Add: (a, ao, ai, b, bo, bi, out, oo, n) => {
    for (let j = 0; j < n; j++) out[oo + j] = a[ao + j * ai]! + b[bo + j * bi]!;
  },
  Sub: (a, ao, ai, b, bo, bi, out, oo, n) => {
    for (let j = 0; j < n; j++) out[oo + j] = a[ao + j * ai]! - b[bo + j * bi]!;
  },
  Multiply: (a, ao, ai, b, bo, bi, out, oo, n) => {
    for (let j = 0; j < n; j++) out[oo + j] = a[ao + j * ai]! * b[bo + j * bi]!;
  },
  RealDiv: (a, ao, ai, b, bo, bi, out, oo, n) => {
    for (let j = 0; j < n; j++) out[oo + j] = a[ao + j * ai]! / b[bo + j * bi]!;
  },
  SquaredDifference: (a, ao, ai, b, bo, bi, out, oo, n) => {
    for (let j = 0; j < n; j++) {
      const d = a[ao + j * ai]! - b[bo + j * bi]!;
      out[oo + j] = d * d;
    }
  },
};

type VecLoop = (
  full: Float32Array,
  vec: Float32Array,
  out: Float32Array,
  c: number,
  vecFirst: boolean,
) => void;

// A feature map with a per-channel vector (bias add, batch-norm pieces): one flat loop, no call per row.
const VEC: Record<string, VecLoop> = {
  Add: (f, v, o, c) => {
    for (let i = 0; i < f.length; i += c) for (let j = 0; j < c; j++) o[i + j] = f[i + j]! + v[j]!;
  },
  Multiply: (f, v, o, c) => {
    for (let i = 0; i < f.length; i += c) for (let j = 0; j < c; j++) o[i + j] = f[i + j]! * v[j]!;
  },
  Sub: (f, v, o, c, vecFirst) => {
    if (vecFirst)
      for (let i = 0; i < f.length; i += c) for (let j = 0; j < c; j++) o[i + j] = v[j]! - f[i + j]!;
    else for (let i = 0; i < f.length; i += c) for (let j = 0; j < c; j++) o[i + j] = f[i + j]! - v[j]!;
  },
};

/** Output shape of numpy-style broadcasting, or undefined when the shapes do not broadcast. */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

/** Row-major strides of `s` padded to rank r, 0 along broadcast dimensions. */
function bstrides(s: readonly number[], r: number): number[] {
  const full = [...new Array<number>(r - s.length).fill(1), ...s];
  const st = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    st[i] = full[i] === 1 ? 0 : acc;
    acc *= full[i]!;
  }
  return st;
}

/** Any float32 broadcast, walked with the last axis innermost. */
function binary(
  name: string,
  inner: Inner,
  vecLoop: VecLoop | undefined,
  fallback: Fallback,
  native: NativeElementwise | undefined,
): KernelFunc {
  const same = EW[name as keyof typeof EW] as number | undefined;
  return (args) => {
    const be = args.backend as unknown as CpuBackend;
    const a = args.inputs.a;
    const b = args.inputs.b;
    if (!a || !b) return fallback(args);
    const av = f32(be, a);
    const bv = f32(be, b);
    const shape = broadcastShape(a.shape, b.shape);
    if (!av || !bv || !shape) return fallback(args);
    // The compiled loops write into arrays of their own: allocate only for the JS loops below.
    const n = size(shape);
    const alloc = (k: number) => (native ? native.alloc(k) : new Float32Array(k));
    const r = shape.length;
    if (r === 0 || n === 0) {
      const out = new Float32Array(n);
      if (n) inner(av, 0, 0, bv, 0, 0, out, 0, 1);
      return be.makeTensorInfo(shape, 'float32', out);
    }
    const as = bstrides(a.shape, r);
    const bs = bstrides(b.shape, r);
    const last = shape[r - 1]!;
    if (native && same !== undefined && av.length === n && bv.length === n)
      return be.makeTensorInfo(shape, 'float32', native.ew(same, av, bv, 1));
    // One operand the full map, the other a vector per row block (or a scalar): compiled.
    const vecOps = native ? VEC_OPS[name] : undefined;
    if (vecOps) {
      const bl = bv.length < n && av.length === n ? vectorLayout(b.shape, shape) : undefined;
      if (bl) return be.makeTensorInfo(shape, 'float32', native!.ew(vecOps[0], av, bv, bl.c));
      const al = av.length < n && bv.length === n ? vectorLayout(a.shape, shape) : undefined;
      if (al) return be.makeTensorInfo(shape, 'float32', native!.ew(vecOps[1], bv, av, al.c));
    }
    if (vecLoop && last > 1) {
      // Exactly one operand is a channel vector and the other the full map.
      const isVec = (st: number[]) => st[r - 1] === 1 && st.slice(0, -1).every((x) => x === 0);
      if (isVec(bs) && av.length === n) {
        const out = alloc(n);
        vecLoop(av, bv, out, last, false);
        return be.makeTensorInfo(shape, 'float32', out);
      }
      if (isVec(as) && bv.length === n) {
        const out = alloc(n);
        vecLoop(bv, av, out, last, true);
        return be.makeTensorInfo(shape, 'float32', out);
      }
    }
    const out = alloc(n);
    const idx = new Array<number>(r).fill(0);
    let ao = 0;
    let bo = 0;
    for (let oo = 0; oo < out.length; oo += last) {
      inner(av, ao, as[r - 1]!, bv, bo, bs[r - 1]!, out, oo, last);
      // Advance the outer multi-index (all axes but the last), carrying offsets along.
      for (let d = r - 2; d >= 0; d--) {
        idx[d]!++;
        ao += as[d]!;
        bo += bs[d]!;
        if (idx[d]! < shape[d]!) break;
        ao -= as[d]! * shape[d]!;
        bo -= bs[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    return be.makeTensorInfo(shape, 'float32', out);
  };
}

function normAxes(axis: unknown, rank: number): number[] {
  const list =
    axis === undefined || axis === null ? [] : Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((x, y) => x - y);
}

/**
 * Sum or Mean over a contiguous run of axes that ends just before the channel axis: per-channel
 * statistics (axes 0..r-2) and global average pooling (axes 1..r-2).
 */
function channelReduce(mean: boolean, fallback: Fallback, native: NativeElementwise | undefined): KernelFunc {
  return (args) => {
    const b = args.backend as unknown as CpuBackend;
    const x = args.inputs.x;
    if (!x) return fallback(args);
    const attrs: NamedAttrMap = args.attrs ?? {};
    const r = x.shape.length;
    const axes = normAxes(attrs.axis, r);
    const xv = f32(b, x);
    const first = axes[0] ?? -1;
    if (!xv || r < 2 || axes.length === 0 || axes.at(-1) !== r - 2 || axes.some((a, i) => a !== first + i))
      return fallback(args);
    const c = x.shape[r - 1]!;
    const outer = size(x.shape.slice(0, first));
    const inner = size(x.shape.slice(first, r - 1));
    const shape = attrs.keepDims
      ? x.shape.map((d, i) => (i >= first && i < r - 1 ? 1 : d))
      : [...x.shape.slice(0, first), c];
    if (native && inner > 0 && c > 0)
      return b.makeTensorInfo(shape, 'float32', native.channelSum(xv, outer, inner, c, mean));
    const out = new Float32Array(outer * c);
    const acc = new Float64Array(c);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      const base = o * inner * c;
      for (let i = 0; i < inner; i++) {
        const row = base + i * c;
        for (let j = 0; j < c; j++) acc[j]! += xv[row + j]!;
      }
      for (let j = 0; j < c; j++) out[o * c + j] = mean ? acc[j]! / inner : acc[j]!;
    }
    return b.makeTensorInfo(shape, 'float32', out);
  };
}

/** Tile of a [1, ..., 1, C] vector along the leading axes. */
function tileVector(fallback: Fallback): KernelFunc {
  return (args) => {
    const b = args.backend as unknown as CpuBackend;
    const x = args.inputs.x;
    if (!x) return fallback(args);
    const reps = (args.attrs?.reps ?? []) as number[];
    const xv = f32(b, x);
    const r = x.shape.length;
    if (!xv || reps.length !== r || reps[r - 1] !== 1 || x.shape.slice(0, -1).some((d) => d !== 1))
      return fallback(args);
    const c = x.shape[r - 1]!;
    const shape = reps.map((k, i) => k * x.shape[i]!);
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i += c) out.set(xv, i);
    return b.makeTensorInfo(shape, 'float32', out);
  };
}

/** Relu and Step (relu's gradient): dedicated loops instead of a per-element closure. */
function unary(name: 'Relu' | 'Step', fallback: Fallback, native: NativeElementwise | undefined): KernelFunc {
  return (args) => {
    const be = args.backend as unknown as CpuBackend;
    const x = args.inputs.x;
    const xv = x && f32(be, x);
    if (!x || !xv) return fallback(args);
    if (native && (name === 'Relu' || ((args.attrs?.alpha as number | undefined) ?? 0) === 0))
      return be.makeTensorInfo([...x.shape], 'float32', native.ew(EW[name], xv, NO_B, 1));
    const out = new Float32Array(xv.length);
    if (name === 'Relu') for (let i = 0; i < xv.length; i++) out[i] = Math.max(0, xv[i]!);
    else {
      const alpha = (args.attrs?.alpha as number | undefined) ?? 0;
      for (let i = 0; i < xv.length; i++) {
        const v = xv[i]!;
        out[i] = v > 0 ? 1 : Number.isNaN(v) ? Number.NaN : alpha;
      }
    }
    return be.makeTensorInfo([...x.shape], 'float32', out);
  };
}

/** Batch-norm with per-channel (or scalar) statistics over a channels-last tensor. */
function fusedBatchNorm(fallback: Fallback): KernelFunc {
  return (args) => {
    const be = args.backend as unknown as CpuBackend;
    const { x, mean, variance, offset, scale } = args.inputs;
    if (!x || !mean || !variance) return fallback(args);
    const c = x.shape[x.shape.length - 1] ?? 1;
    const vec = (t: TensorInfo | undefined): Float32Array | undefined | null => {
      if (!t) return null; // absent: identity
      const v = f32(be, t);
      return v && (v.length === c || v.length === 1) ? v : undefined;
    };
    const xv = f32(be, x);
    const m = vec(mean);
    const v = vec(variance);
    const o = vec(offset);
    const sc = vec(scale);
    if (!xv || !m || !v || o === undefined || sc === undefined) return fallback(args);
    const eps = (args.attrs?.varianceEpsilon as number | undefined) ?? 0.001;
    const at = (a: Float32Array, j: number): number => (a.length === 1 ? a[0]! : a[j]!);
    // Same arithmetic order as the cpu kernel: (x - mean) * scale / sqrt(var + eps) + offset.
    const mu = new Float32Array(c);
    const k = new Float32Array(c);
    const off = new Float32Array(c);
    for (let j = 0; j < c; j++) {
      mu[j] = at(m, j);
      k[j] = (sc ? at(sc, j) : 1) / Math.sqrt(at(v, j) + eps);
      off[j] = o ? at(o, j) : 0;
    }
    const out = new Float32Array(xv.length);
    for (let i = 0; i < xv.length; i += c)
      for (let j = 0; j < c; j++) out[i + j] = (xv[i + j]! - mu[j]!) * k[j]! + off[j]!;
    return be.makeTensorInfo([...x.shape], 'float32', out);
  };
}

/** The ReLU gradient dy · step(x) (same shapes, float32), natively when available. */
export function reluGradKernel(native: NativeElementwise | undefined): KernelFunc {
  return (args) => {
    const be = args.backend as unknown as CpuBackend;
    const { dy, x } = args.inputs;
    const dv = dy && f32(be, dy);
    const xv = x && f32(be, x);
    if (!dy || !x || !dv || !xv || dv.length !== xv.length)
      throw new Error('relu gradient expects float32 dy and x');
    const shape = [...x.shape];
    if (native) return be.makeTensorInfo(shape, 'float32', native.ew(EW.ReluGrad, dv, xv, 1));
    return be.makeTensorInfo(shape, 'float32', reluGrad(dv, xv));
  };
}

/** dy · step(x) as the cpu backend's ReLU gradient computes it (NaN where x is NaN), in JS. */
export function reluGrad(dy: Float32Array, x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = dy[i]! * (v > 0 ? 1 : Number.isNaN(v) ? Number.NaN : 0);
  }
  return out;
}

/**
 * Mean's gradient: dy spread over the reduced axes (contiguous ones: x is [outer, reduced, inner])
 * and divided by their size, in one pass. tfjs's own builds a tensor of ones as large as x, then
 * multiplies and divides (a fill and two passes, in JavaScript, every step for a global average
 * pool). Same bits: dy · 1 / n, with the division rounded once to float32 either way.
 */
export function meanGradKernel(native: NativeElementwise | undefined): KernelFunc {
  return (args) => {
    const be = args.backend as unknown as CpuBackend;
    const dy = args.inputs.dy;
    const dv = dy && f32(be, dy);
    const { shape, axes } = args.attrs as unknown as { shape: number[]; axes: number[] };
    const a0 = axes[0]!;
    const a1 = axes[axes.length - 1]!;
    const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
    const outer = size(0, a0);
    const n = size(a0, a1 + 1);
    const inner = size(a1 + 1, shape.length);
    if (!dv || dv.length !== outer * inner)
      throw new Error('mean gradient expects float32 dy of the kept axes');
    const out = native ? native.alloc(outer * n * inner) : new Float32Array(outer * n * inner);
    for (let o = 0; o < outer; o++) {
      // dy / n once per kept element into the first row, then rows doubled by memcpy: 1, 2, 4...
      const first = o * n * inner;
      for (let i = 0; i < inner; i++) out[first + i] = dv[o * inner + i]! / n;
      for (let done = 1; done < n; done *= 2)
        out.copyWithin(first + done * inner, first, first + Math.min(done, n - done) * inner);
    }
    return be.makeTensorInfo([...shape], 'float32', out);
  };
}

export const ELEMENTWISE_KERNELS = [
  ...Object.keys(INNER),
  'Sum',
  'Mean',
  'Tile',
  'Relu',
  'Step',
  'FusedBatchNorm',
] as const;

export function elementwiseKernel(name: string, fallback: Fallback, native?: NativeElementwise): KernelFunc {
  if (name === 'Sum') return channelReduce(false, fallback, native);
  if (name === 'Mean') return channelReduce(true, fallback, native);
  if (name === 'Tile') return tileVector(fallback);
  if (name === 'Relu' || name === 'Step') return unary(name, fallback, native);
  if (name === 'FusedBatchNorm') return fusedBatchNorm(fallback);
  const inner = INNER[name];
  if (!inner) throw new Error(`no fast elementwise kernel ${name}`);
  return binary(name, inner, VEC[name], fallback, native);
}
