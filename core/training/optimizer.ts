// Adam and SGD with momentum over explicit state, so a checkpoint captures all of it exactly
// (tfjs's Adam recomputes beta powers on restore, which changes the last bits).
import type { Hyperparameters } from '../space/types.js';
import { type Tf, tf } from './backend.js';
import { ownValues, storedValues } from './cpu-data.js';

type Tensor = ReturnType<Tf['tensor']>;
type Variable = ReturnType<Tf['variable']>;

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-7;
export const SGD_MOMENTUM = 0.9;

export class ChildOptimizer {
  /** Adam: first then second moments; SGD: velocities. One per variable, in variable order. */
  private slots: Variable[];
  /** Updates applied so far (Adam's bias correction). */
  t = 0;
  /** Plain-array updates (cpu backend, where reading tensors is free); tensor ops elsewhere. */
  fused = tf.getBackend() === 'cpu';

  constructor(
    readonly kind: Hyperparameters['optimizer'],
    /** The trainer sets it before each step from the schedule (a pure function of the step). */
    public learningRate: number,
    readonly weightDecay: number,
    readonly vars: readonly Variable[],
    /** Which variables get L2 weight decay (kernels, not BN or biases). */
    readonly decayed: readonly boolean[],
  ) {
    const copies = kind === 'adam' ? 2 : 1;
    this.slots = [];
    for (let k = 0; k < copies; k++)
      for (const v of vars) {
        const zero = tf.zerosLike(v);
        this.slots.push(tf.variable(zero, false, undefined, v.dtype));
        zero.dispose();
      }
  }

  /** Applies one update from gradients given in variable order. */
  apply(grads: readonly Tensor[]): void {
    this.t++;
    if (this.fused) this.applyFused(grads);
    else this.applyOps(grads);
  }

  /**
   * On the cpu backend: one loop per variable over plain arrays instead of a dozen tensor ops,
   * which dominate a step for small children. Float64 arithmetic rounded once to float32.
   */
  private applyFused(grads: readonly Tensor[]): void {
    const lr = this.learningRate;
    const n = this.vars.length;
    const c1 = 1 - ADAM_BETA1 ** this.t;
    const c2 = 1 - ADAM_BETA2 ** this.t;
    for (let i = 0; i < n; i++) {
      const w = this.vars[i]!;
      const wv = w.dataSync() as Float32Array;
      // Read without handing the array out, so that the kernel packs recycle it.
      const gv = storedValues(grads[i]!);
      const wd = this.weightDecay > 0 && this.decayed[i] ? this.weightDecay : 0;
      const len = wv.length;
      // Element j is read before it is written, so updating in place gives the same bits.
      const nw = this.writable(w, wv);
      if (this.kind === 'adam') {
        const m = this.slots[i]!;
        const v = this.slots[n + i]!;
        const mv = m.dataSync() as Float32Array;
        const vv = v.dataSync() as Float32Array;
        const nm = this.writable(m, mv);
        const nv = this.writable(v, vv);
        for (let j = 0; j < len; j++) {
          const g = gv[j]! + wd * wv[j]!;
          const mj = ADAM_BETA1 * mv[j]! + (1 - ADAM_BETA1) * g;
          const vj = ADAM_BETA2 * vv[j]! + (1 - ADAM_BETA2) * g * g;
          nm[j] = mj;
          nv[j] = vj;
          nw[j] = wv[j]! - ((lr / c1) * mj) / (Math.sqrt(vj / c2) + ADAM_EPSILON);
        }
        this.assign(m, nm);
        this.assign(v, nv);
      } else {
        const m = this.slots[i]!;
        const mv = m.dataSync() as Float32Array;
        const nm = this.writable(m, mv);
        for (let j = 0; j < len; j++) {
          const mj = SGD_MOMENTUM * mv[j]! + gv[j]! + wd * wv[j]!;
          nm[j] = mj;
          nw[j] = wv[j]! - lr * mj;
        }
        this.assign(m, nm);
      }
      this.assign(w, nw);
    }
  }

  /**
   * Where a variable's new values go: its own array when nothing else shares it (no clone or
   * checkpoint copy still holds its data), else a new one that assign() installs. Skipping the
   * new tensor, the assign and the allocation saves tfjs work on every variable every step.
   */
  private writable(v: Variable, current: Float32Array): Float32Array {
    return ownValues(v) === current ? current : new Float32Array(current.length);
  }

  private assign(v: Variable, values: Float32Array): void {
    if (ownValues(v) === values) return;
    const t = tf.tensor(values, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }

  private applyOps(grads: readonly Tensor[]): void {
    const lr = this.learningRate;
    const n = this.vars.length;
    // Bias corrections in float64 from t alone: identical whether or not the run was resumed.
    const c1 = 1 - ADAM_BETA1 ** this.t;
    const c2 = 1 - ADAM_BETA2 ** this.t;
    tf.tidy(() => {
      for (let i = 0; i < n; i++) {
        const w = this.vars[i]!;
        let g = grads[i]!;
        if (this.weightDecay > 0 && this.decayed[i]) g = tf.add(g, tf.mul(w, this.weightDecay));
        if (this.kind === 'adam') {
          const m = this.slots[i]!;
          const v = this.slots[n + i]!;
          m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1)));
          v.assign(tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
          const step = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), ADAM_EPSILON));
          w.assign(tf.sub(w, step));
        } else {
          const m = this.slots[i]!;
          m.assign(tf.add(tf.mul(m, SGD_MOMENTUM), g));
          w.assign(tf.sub(w, tf.mul(m, lr)));
        }
      }
    });
  }

  /** Slot values, for checkpoints (the caller disposes them). */
  state(): Tensor[] {
    return this.slots.map((s) => tf.clone(s));
  }

  setState(values: readonly Tensor[], t: number): void {
    if (values.length !== this.slots.length)
      throw new Error(`optimizer state has ${values.length} tensors, expected ${this.slots.length}`);
    values.forEach((v, i) => {
      this.slots[i]!.assign(v);
    });
    this.t = t;
  }

  dispose(): void {
    for (const s of this.slots) s.dispose();
  }
}
