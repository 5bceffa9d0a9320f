// Native twins of batchNormTrain / batchNormGrad (core/network/fast-batchnorm.ts), same
// signatures and the same bits (native/kernels/batchnorm.cc), for the fused batch-norm layer to
// call when the native kernels are loaded.
import { loadNative } from './native.js';

export interface BatchNormImpl {
  train(
    x: Float32Array,
    c: number,
    gamma: Float32Array,
    beta: Float32Array,
    eps: number,
  ): {
    y: Float32Array;
    mean: Float32Array;
    variance: Float32Array;
    xhat: Float32Array;
    invStd: Float64Array;
  };
  grad(
    dy: Float32Array,
    xhat: Float32Array,
    invStd: Float64Array,
    gamma: Float32Array,
    c: number,
  ): { dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array };
}

/** The native batch-norm loops, or undefined where the native kernels do not load. */
export function nativeBatchNorm(): BatchNormImpl | undefined {
  const b = loadNative().binding;
  if (!b) return undefined;
  return {
    train(x, c, gamma, beta, eps) {
      const r = {
        y: new Float32Array(x.length),
        mean: new Float32Array(c),
        variance: new Float32Array(c),
        xhat: new Float32Array(x.length),
        invStd: new Float64Array(c),
      };
      b.bnTrain(x, c, gamma, beta, eps, r.y, r.mean, r.variance, r.xhat, r.invStd);
      return r;
    },
    grad(dy, xhat, invStd, gamma, c) {
      const r = { dx: new Float32Array(dy.length), dGamma: new Float32Array(c), dBeta: new Float32Array(c) };
      b.bnGrad(dy, xhat, invStd, gamma, c, r.dx, r.dGamma, r.dBeta);
      return r;
    },
  };
}
