// Accuracy over a whole split, in fixed-size batches: one loop for the fp32 model and for its
// quantized simulation, so both are scored on exactly the same inputs.
import { sliceRows } from '../data/batch.js';
import type { Split } from '../data/dataset.js';
import { type Tf, tf } from './backend.js';

type Tensor = ReturnType<Tf['tensor']>;

export const EVAL_BATCH = 256;

/** Share of a split whose argmax of `predict` (any monotone scores, inference mode) is the label. */
export function accuracyOf(
  predict: (x: Tensor) => Tensor,
  split: Split,
  shape: readonly [number, number, number],
): number {
  if (split.n === 0) return 0;
  const per = shape[0] * shape[1] * shape[2];
  const buf = new Float32Array(Math.min(EVAL_BATCH, split.n) * per);
  let correct = 0;
  for (let s = 0; s < split.n; s += EVAL_BATCH) {
    const m = Math.min(EVAL_BATCH, split.n - s);
    sliceRows(split, per, s, m, buf);
    const pred = tf.tidy(() => {
      const x = tf.tensor4d(buf.subarray(0, m * per), [m, ...shape]);
      return tf.argMax(predict(x), -1).dataSync();
    });
    for (let i = 0; i < m; i++) if (pred[i] === split.y[s + i]) correct++;
  }
  return correct / split.n;
}
