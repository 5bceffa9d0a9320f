// Compiled twins of batchNormTrain / batchNormGrad (core/network/fast-batchnorm.ts), same
// signatures and the same bits (native/kernels/batchnorm.cc). activeBatchNorm() offers them to the
// fused batch-norm layer while the native or wasm kernel pack is installed.
import type * as tf from '@tensorflow/tfjs';
import { storedValues } from '../cpu-data.js';
import type { Binding } from './binding.js';
import type { OutputArrays } from './pool.js';

type Tensor = tf.Tensor;

export interface BatchNormImpl {
  /**
   * A float32 cpu tensor's values for use right now, in place: unlike dataSync they stay the
   * output pool's (recycled once the tensor is disposed), so the caller must not keep them.
   */
  read(t: Tensor): Float32Array;
  train(
    x: Float32Array,
    c: number,
    gamma: Float32Array,
    beta: Float32Array,
    eps: number,
    /** y after a fused ReLU. */
    relu?: boolean,
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
    /** After a fused ReLU: the forward's y, which masks dy. */
    reluOut?: Float32Array,
  ): { dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array };
}

let active: BatchNormImpl | undefined;

/** The installed kernel pack's batch-norm loops, if it has any (else use the JS ones). */
export function activeBatchNorm(): BatchNormImpl | undefined {
  return active;
}

/** Set by a kernel pack on install, cleared on uninstall. */
export function setActiveBatchNorm(impl: BatchNormImpl | undefined): void {
  active = impl;
}

/**
 * The batch-norm loops of a loaded binding (native addon or WebAssembly module). y and dx become
 * tensors' values, so they come from the output pool and go back to it when those are disposed.
 */
export function bindingBatchNorm(b: Binding, pool?: OutputArrays): BatchNormImpl {
  const tensorValues = (n: number) => (pool ? pool.alloc(n) : new Float32Array(n));
  // xhat (as large as x) lives from the forward pass to its gradient. A fresh array per step cost
  // more than the batch norm itself (its pages fault in on first write, and for wasm it was copied
  // in and out), so the gradient hands it back for the next forward pass: tfjs runs a customGrad's
  // gradient at most once per forward, and bnTrain overwrites every element.
  const spare = new Map<number, Float32Array[]>();
  const ours = new WeakSet<Float32Array>();
  const spareOut = new WeakSet<Float32Array>();
  const xhatArray = (n: number): Float32Array => {
    const a = spare.get(n)?.pop();
    if (a) {
      spareOut.delete(a);
      return a;
    }
    const fresh = tensorValues(n);
    ours.add(fresh);
    return fresh;
  };
  const giveBack = (a: Float32Array) => {
    if (!ours.has(a) || spareOut.has(a)) return;
    spareOut.add(a);
    const list = spare.get(a.length);
    if (list) list.push(a);
    else spare.set(a.length, [a]);
  };
  return {
    read: storedValues,
    train(x, c, gamma, beta, eps, relu) {
      const r = {
        y: tensorValues(x.length),
        mean: new Float32Array(c),
        variance: new Float32Array(c),
        xhat: xhatArray(x.length),
        invStd: new Float64Array(c),
      };
      b.bnTrain(x, c, gamma, beta, eps, r.y, r.mean, r.variance, r.xhat, r.invStd, relu ?? false);
      return r;
    },
    grad(dy, xhat, invStd, gamma, c, reluOut) {
      const r = { dx: tensorValues(dy.length), dGamma: new Float32Array(c), dBeta: new Float32Array(c) };
      b.bnGrad(dy, xhat, invStd, gamma, c, r.dx, r.dGamma, r.dBeta, reluOut);
      giveBack(xhat);
      return r;
    },
  };
}
