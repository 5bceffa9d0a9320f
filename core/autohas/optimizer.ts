// Adam or SGD with momentum over the supernet's shared weights. Unlike the trainer's optimizer the
// learning rate and weight decay change every step (they are sampled), and only the weights the
// sampled sub-network touched are updated; each weight counts its own Adam steps.
// `preview` computes the same update without applying it: the controller's temporary weights are
// what one real optimizer step with the drawn hp would give (AutoHAS), not a plain SGD step.
import { tf } from '../training/backend.js';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, SGD_MOMENTUM } from '../training/optimizer.js';

/** A hyper-parameter as a number, or a scalar tensor when it is differentiated (mix mode). */
export type HpValue = number | tf.Scalar;

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

  /** The update rule for variable i: its new value and new slots (nothing assigned). */
  private rule(i: number, w: tf.Tensor, grad: tf.Tensor, lr: HpValue, weightDecay: HpValue) {
    const n = this.vars.length;
    const decay = this.decayed[i] && (typeof weightDecay !== 'number' || weightDecay > 0);
    const g = decay ? tf.add(grad, tf.mul(w, weightDecay)) : grad;
    const m = this.slots[i]!;
    if (this.kind === 'adam') {
      const t = this.steps[i]! + 1;
      const v = this.slots[n + i]!;
      const m1 = tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1));
      const v1 = tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
      const c1 = 1 - ADAM_BETA1 ** t;
      const c2 = 1 - ADAM_BETA2 ** t;
      const scale = typeof lr === 'number' ? lr / c1 : tf.div(lr, c1);
      const w1 = tf.sub(w, tf.div(tf.mul(m1, scale), tf.add(tf.sqrt(tf.div(v1, c2)), ADAM_EPSILON)));
      return { w: w1, slots: [m1, v1] };
    }
    const m1 = tf.add(tf.mul(m, SGD_MOMENTUM), g);
    return { w: tf.sub(w, tf.mul(m1, lr)), slots: [m1] };
  }

  /** One update of the variables at `indices` from their gradients. */
  apply(indices: readonly number[], grads: readonly tf.Tensor[], lr: number, weightDecay: number): void {
    const n = this.vars.length;
    tf.tidy(() => {
      indices.forEach((i, j) => {
        const w = this.vars[i]!;
        const r = this.rule(i, w, grads[j]!, lr, weightDecay);
        r.slots.forEach((s, c) => {
          this.slots[c * n + i]!.assign(s);
        });
        this.steps[i]!++;
        w.assign(r.w);
      });
    });
  }

  /**
   * The values the variables at `indices` would take after `apply` with these gradients and hp,
   * from the current slots and step counts; nothing is changed. Differentiable in lr and weight
   * decay when they are given as scalar tensors. The caller disposes the results (or runs in tidy).
   */
  preview(
    indices: readonly number[],
    grads: readonly tf.Tensor[],
    lr: HpValue,
    weightDecay: HpValue,
  ): tf.Tensor[] {
    return indices.map((i, j) => {
      const r = tf.tidy(() => this.rule(i, this.vars[i]!, grads[j]!, lr, weightDecay).w);
      return r;
    });
  }

  dispose(): void {
    for (const s of this.slots) s.dispose();
  }
}
