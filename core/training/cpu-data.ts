// Reading and writing the cpu backend's own arrays, for the loops that run beside tfjs on it (the
// optimizer, batch-norm statistics). dataSync() goes through readSync, which hands the array out:
// the kernel packs then never recycle it (see kernels/pool.ts). Writing in place skips a new
// tensor and an assign, and is safe only while no other tensor shares the data.
import * as tf from '@tensorflow/tfjs';

/** A tensor's entry in the cpu backend's data store (also what kernels/pool.ts tracks). */
export interface CpuData {
  values?: unknown;
  refCount?: number;
}

// Only the cpu backend's: tfjs-node's store has the same shape, but its values may already live
// in libtensorflow, where a write in place would be lost.
function record(t: tf.Tensor): CpuData | undefined {
  if (tf.getBackend() !== 'cpu') return undefined;
  const be = tf.backend() as unknown as { data?: { get(id: object): CpuData | undefined } };
  return be.data?.get(t.dataId);
}

/** t's float32 values as the cpu backend stores them, without handing the array out (else dataSync). */
export function storedValues(t: tf.Tensor): Float32Array {
  const v = record(t)?.values;
  return v instanceof Float32Array ? v : (t.dataSync() as Float32Array);
}

/** t's own array when it may be written in place (float32 on the cpu backend, shared by no other tensor). */
export function ownValues(t: tf.Tensor): Float32Array | undefined {
  const r = record(t);
  return r?.values instanceof Float32Array && r.refCount === 1 ? r.values : undefined;
}
