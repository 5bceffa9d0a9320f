// Adam or SGD with momentum over the supernet's shared weights. Unlike the trainer's optimizer the
// learning rate and weight decay change every step (they are sampled), and only the weights the
// sampled sub-network touched are updated; each weight counts its own Adam steps.
import { tf } from '../training/backend.js';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, SGD_MOMENTUM } from '../training/optimizer.js';

export class SharedOptimizer {
  /** Adam: first then second moments; SGD: velocities. One per variable, in variable order. */
  readonly slots: tf.Variable[];
  /** Updates applied to each variable (Adam bias correction). */
  steps: number[];

  constructor(
    readonly kind: 'adam' | 'sgd',
    readonly vars: readonly tf.Variable[],
    readonly decayed: readonly boolean[],
  ) {
    const copies = kind === 'adam' ? 2 : 1;
    this.slots = [];
    for (let c = 0; c < copies; c++)
      for (const v of vars) this.slots.push(tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    this.steps = vars.map(() => 0);
  }

  /** One update of the variables at `indices` from their gradients. */
  apply(indices: readonly number[], grads: readonly tf.Tensor[], lr: number, weightDecay: number): void {
    const n = this.vars.length;
    tf.tidy(() => {
      indices.forEach((i, j) => {
        const w = this.vars[i]!;
        let g = grads[j]!;
        if (weightDecay > 0 && this.decayed[i]) g = tf.add(g, tf.mul(w, weightDecay));
        const t = ++this.steps[i]!;
        const m = this.slots[i]!;
        if (this.kind === 'adam') {
          const v = this.slots[n + i]!;
          m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1)));
          v.assign(tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
          const c1 = 1 - ADAM_BETA1 ** t;
          const c2 = 1 - ADAM_BETA2 ** t;
          w.assign(tf.sub(w, tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), ADAM_EPSILON))));
        } else {
          m.assign(tf.add(tf.mul(m, SGD_MOMENTUM), g));
          w.assign(tf.sub(w, tf.mul(m, lr)));
        }
      });
    });
  }

  dispose(): void {
    for (const s of this.slots) s.dispose();
  }
}
