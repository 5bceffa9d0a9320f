// Mini-batches in seeded epoch order: epoch e's permutation is derived from (seed, split, e), so a
// cursor of two integers is all a checkpoint needs to resume the same sequence.
import { gatherRows } from '../data/batch.js';
import type { Split } from '../data/dataset.js';
import { Rng } from '../rng.js';
import { tf } from '../training/backend.js';

export interface BatchCursor {
  epoch: number;
  pos: number;
}

export class Batcher {
  private perm: number[] = [];
  private permEpoch = -1;
  cursor: BatchCursor = { epoch: 0, pos: 0 };

  constructor(
    readonly split: Split,
    readonly shape: readonly [number, number, number],
    readonly seed: number,
    readonly label: string,
    readonly batchSize: number,
  ) {
    if (split.n < 1) throw new Error(`autohas: the ${label} split is empty`);
  }

  private order(epoch: number): number[] {
    if (this.permEpoch !== epoch) {
      const idx = Array.from({ length: this.split.n }, (_, i) => i);
      this.perm = Rng.fromSeed(`autohas-batches:${this.seed}:${this.label}:${epoch}`).shuffle(idx);
      this.permEpoch = epoch;
    }
    return this.perm;
  }

  /** Indices of the next batch; a batch never straddles two epochs (the last one is shorter). */
  nextIndices(): number[] {
    const n = this.split.n;
    if (this.cursor.pos >= n) this.cursor = { epoch: this.cursor.epoch + 1, pos: 0 };
    const perm = this.order(this.cursor.epoch);
    const end = Math.min(n, this.cursor.pos + this.batchSize);
    const out = perm.slice(this.cursor.pos, end);
    this.cursor = { epoch: this.cursor.epoch, pos: end };
    return out;
  }

  /** The next batch as tensors, normalized (the caller disposes them). */
  next(): { x: tf.Tensor4D; y: tf.Tensor1D; n: number } {
    const idx = this.nextIndices();
    const [h, w, c] = this.shape;
    const px = h * w * c;
    const xs = new Float32Array(idx.length * px);
    const ys = new Int32Array(idx.length);
    gatherRows(this.split, px, idx, 0, idx.length, xs, ys);
    return { x: tf.tensor4d(xs, [idx.length, h, w, c]), y: tf.tensor1d(ys, 'int32'), n: idx.length };
  }
}
