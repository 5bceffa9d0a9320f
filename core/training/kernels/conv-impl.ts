// Convolution arithmetic on plain typed arrays (NHWC input, HWIO filters, depthwise multiplier 1).
// The tfjs cpu backend's Conv2DBackpropFilter walks TensorBuffers element by element and takes
// seconds for a tiny batch; these loops keep the innermost index contiguous instead.
import type { BatchNormImpl } from './batchnorm.js';
import type { NativeElementwise } from './elementwise.js';
import type { OutputArrays } from './pool.js';

export interface ConvGeom {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  /** Output channels (equals inC for depthwise). */
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/** What a forward conv does to its output: add a per-channel bias, then ReLU (either optional). */
export interface ConvEpilogue {
  bias?: Float32Array;
  relu?: boolean;
}

/** The six hot kernels; one implementation in JS, others (native) may replace it. */
export interface ConvImpl {
  name: string;
  /** Native elementwise loops, when this implementation has them (JS loops otherwise). */
  elementwise?: NativeElementwise;
  /** Batch-norm loops for the fused batch-norm layer (see batchnorm.ts), when this pack has them. */
  batchNorm?: BatchNormImpl;
  /** tfjs's BatchMatMul loops, compiled (see matmul.ts), when this pack has them. */
  matmul?: (a: Float32Array, b: Float32Array, geom: Int32Array, n: number) => Float32Array;
  /** Where the outputs come from, when they are recycled; attached while the pack is installed. */
  pool?: OutputArrays;
  /** The forward ops take an epilogue, applied as a separate add and ReLU would be (same bits). */
  conv2d(x: Float32Array, w: Float32Array, g: ConvGeom, e?: ConvEpilogue): Float32Array;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeom): Float32Array;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeom): Float32Array;
  depthwise(x: Float32Array, w: Float32Array, g: ConvGeom, e?: ConvEpilogue): Float32Array;
  depthwiseBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeom): Float32Array;
  depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeom): Float32Array;
}

/** The epilogue in place over y's rows of c channels; ReLU as the cpu kernel (-0 to +0, NaN kept). */
export function applyEpilogue(y: Float32Array, c: number, e: ConvEpilogue | undefined): Float32Array {
  const bias = e?.bias;
  if (bias) for (let i = 0; i < y.length; i += c) for (let j = 0; j < c; j++) y[i + j] = y[i + j]! + bias[j]!;
  if (e?.relu)
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (!(v > 0) && !Number.isNaN(v)) y[i] = 0;
    }
  return y;
}

function conv2d(x: Float32Array, w: Float32Array, g: ConvGeom, e?: ConvEpilogue): Float32Array {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const y = new Float32Array(batch * outH * outW * outC);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((b * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xo + ci]!;
              if (xv === 0) continue;
              const wr = wo + ci * outC;
              for (let co = 0; co < outC; co++) y[yo + co]! += xv * w[wr + co]!;
            }
          }
        }
      }
  return applyEpilogue(y, outC, e);
}

function conv2dBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeom): Float32Array {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const dx = new Float32Array(batch * inH * inW * inC);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((b * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const wr = wo + ci * outC;
              let s = 0;
              for (let co = 0; co < outC; co++) s += dy[yo + co]! * w[wr + co]!;
              dx[xo + ci]! += s;
            }
          }
        }
      }
  return dx;
}

function conv2dBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeom): Float32Array {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const dw = new Float32Array(kH * kW * inC * outC);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((b * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xo + ci]!;
              if (xv === 0) continue;
              const wr = wo + ci * outC;
              for (let co = 0; co < outC; co++) dw[wr + co]! += xv * dy[yo + co]!;
            }
          }
        }
      }
  return dw;
}

function depthwise(x: Float32Array, w: Float32Array, g: ConvGeom, e?: ConvEpilogue): Float32Array {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const y = new Float32Array(batch * outH * outW * inC);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * inC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((b * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC;
            for (let c = 0; c < inC; c++) y[yo + c]! += x[xo + c]! * w[wo + c]!;
          }
        }
      }
  return applyEpilogue(y, inC, e);
}

function depthwiseBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeom): Float32Array {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const dx = new Float32Array(batch * inH * inW * inC);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * inC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((b * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC;
            for (let c = 0; c < inC; c++) dx[xo + c]! += dy[yo + c]! * w[wo + c]!;
          }
        }
      }
  return dx;
}

function depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeom): Float32Array {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const dw = new Float32Array(kH * kW * inC);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * inC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((b * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC;
            for (let c = 0; c < inC; c++) dw[wo + c]! += x[xo + c]! * dy[yo + c]!;
          }
        }
      }
  return dw;
}

export const jsConvImpl: ConvImpl = {
  name: 'js',
  conv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  depthwise,
  depthwiseBackpropInput,
  depthwiseBackpropFilter,
};
