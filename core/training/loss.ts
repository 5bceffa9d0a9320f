// The training loss, one function for every trainer (children, the AutoHAS supernet).
import { type Tf, tf } from './backend.js';
import { fusedOps } from './kernels/fused.js';
import { fusedSoftmaxXent } from './kernels/softmax-xent.js';

type Tensor = ReturnType<Tf['tensor']>;
type Scalar = ReturnType<Tf['scalar']>;

/**
 * Mean softmax cross-entropy of logits [n, numClasses] against int32 class labels [n], with label
 * smoothing: one fused op while a kernel pack is installed on the cpu backend, tfjs's composite
 * elsewhere; the same bits either way.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, numClasses: number, labelSmoothing = 0): Scalar {
  if (logits.rank !== 2 || logits.shape[1] !== numClasses)
    throw new Error(`logits of shape [${logits.shape}] for ${numClasses} classes`);
  const fused = fusedOps();
  if (fused && logits.dtype === 'float32' && labels.dtype === 'int32')
    return fusedSoftmaxXent(fused, logits, labels, labelSmoothing) as Scalar;
  const onehot = tf.oneHot(labels as ReturnType<Tf['tensor1d']>, numClasses);
  return tf.losses.softmaxCrossEntropy(onehot, logits, undefined, labelSmoothing) as Scalar;
}
