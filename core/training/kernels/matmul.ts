// BatchMatMul and _FusedMatMul for the tfjs cpu backend through the compiled packs' copy of its
// loops (native/kernels/matmul.cc: the same blocks and double sums, so the same bits). The cpu
// backend runs them in JavaScript: the squeeze-excite blocks' and the classifier's dense layers
// cost about 2 ms of a fashion-bench child's step that way. Anything unusual (other dtypes,
// broadcast batch shapes, PReLU and other activations, a bias that is not a row vector) goes to
// the original kernel.
import type { KernelFunc } from '@tensorflow/tfjs';
import { applyEpilogue } from './conv-impl.js';
import { type CpuBackend, f32, size } from './elementwise.js';

/** The compiled product (binding.ts's matmul) writing into an array of n floats it allocates. */
export type MatMul = (a: Float32Array, b: Float32Array, geom: Int32Array, n: number) => Float32Array;

type Fallback = (args: Parameters<KernelFunc>[0]) => ReturnType<KernelFunc>;

/** The cpu kernel's 3-D views and strides for a · b, or undefined where it would broadcast. */
export function matMulGeom(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): { geom: Int32Array; outShape: number[] } | undefined {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return undefined;
  const innerA = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const innerB = transposeB ? bShape[rb - 1]! : bShape[rb - 2]!;
  const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
  if (innerA !== innerB) return undefined;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  const same = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!same && batchA !== 1 && batchB !== 1) return undefined;
  const outer = batchA >= batchB ? outerA : outerB;
  const k = innerA;
  // a3d = [batchA, m, k] (or [batchA, k, m] transposed), b3d = [batchB, k, n] (or [batchB, n, k]).
  const [aOuter, aInner] = transposeA ? [1, m] : [k, 1];
  const [bInner, bOuter] = transposeB ? [1, k] : [n, 1];
  const geom = Int32Array.of(
    Math.max(batchA, batchB),
    batchA,
    batchB,
    m,
    n,
    k,
    m * k,
    aOuter,
    aInner,
    k * n,
    bOuter,
    bInner,
  );
  return { geom, outShape: [...outer, m, n] };
}

export function matMulKernels(matmul: MatMul, fallback: { BatchMatMul: Fallback; _FusedMatMul: Fallback }) {
  const product = (args: Parameters<KernelFunc>[0]) => {
    const b = args.backend as unknown as CpuBackend;
    const { a, b: bt } = args.inputs;
    const av = a && f32(b, a);
    const bv = bt && f32(b, bt);
    const attrs = args.attrs ?? {};
    const g = av && bv && matMulGeom(a!.shape, bt!.shape, !!attrs.transposeA, !!attrs.transposeB);
    if (!g) return undefined;
    return { b, y: matmul(av!, bv!, g.geom, size(g.outShape)), shape: g.outShape };
  };
  const batchMatMul: KernelFunc = (args) => {
    const r = product(args);
    return r ? r.b.makeTensorInfo(r.shape, 'float32', r.y) : fallback.BatchMatMul(args);
  };
  const fusedMatMul: KernelFunc = (args) => {
    const act = (args.attrs?.activation as string | undefined) ?? 'linear';
    const bias = args.inputs.bias;
    if ((act !== 'linear' && act !== 'relu') || args.inputs.preluActivationWeights)
      return fallback._FusedMatMul(args);
    const cpu = args.backend as unknown as CpuBackend;
    const biasV = bias ? f32(cpu, bias) : undefined;
    if (bias && !biasV) return fallback._FusedMatMul(args);
    const r = product(args);
    if (!r) return fallback._FusedMatMul(args);
    const n = r.shape[r.shape.length - 1]!;
    if (biasV && (biasV.length !== n || bias!.shape[bias!.shape.length - 1] !== n))
      return fallback._FusedMatMul(args);
    // The cpu kernel's add, then its ReLU (Math.max(0, x)), each rounded to float32: the convs'
    // epilogue.
    const y = applyEpilogue(r.y, n, { bias: biasV, relu: act === 'relu' });
    return r.b.makeTensorInfo(r.shape, 'float32', y);
  };
  return { BatchMatMul: batchMatMul, _FusedMatMul: fusedMatMul };
}
