// Seeded augmentation of a normalized NHWC batch, in place: random crop with zero padding and
// horizontal flip, as torchvision's RandomCrop(padding) and RandomHorizontalFlip. The draws come
// from a stream fixed by the child's seed and the step, so a resumed child augments identically.
import type { Rng } from '../rng.js';
import type { Augmentation } from '../spec/schema.js';

export interface AugmentOptions {
  augment: Augmentation;
  /** Pixels of padding for the crop. */
  cropPadding: number;
  /** The value a zero pixel has after normalization, per channel (the padding's value). */
  padValue: readonly number[];
}

/** Augments examples 0..n of x (n × h × w × c) in place; `scratch` holds one image. */
export function augmentBatch(
  x: Float32Array,
  n: number,
  shape: readonly [number, number, number],
  o: AugmentOptions,
  rng: Rng,
  scratch: Float32Array = new Float32Array(shape[0] * shape[1] * shape[2]),
): void {
  if (o.augment === 'none') return;
  const [h, w, c] = shape;
  const per = h * w * c;
  const crop = o.augment === 'crop' || o.augment === 'crop+flip';
  const flip = o.augment === 'flip' || o.augment === 'crop+flip';
  const p = o.cropPadding;
  for (let i = 0; i < n; i++) {
    // Both draws are made for every image, so the stream never depends on earlier outcomes.
    const dy = crop ? rng.int(2 * p + 1) - p : 0;
    const dx = crop ? rng.int(2 * p + 1) - p : 0;
    const mirror = flip && rng.next() < 0.5;
    if (dy === 0 && dx === 0 && !mirror) continue;
    const img = x.subarray(i * per, (i + 1) * per);
    scratch.set(img);
    for (let yy = 0; yy < h; yy++) {
      const sy = yy + dy;
      for (let xx = 0; xx < w; xx++) {
        const sx0 = xx + dx;
        const sx = mirror ? w - 1 - sx0 : sx0;
        const o0 = (yy * w + xx) * c;
        if (sy < 0 || sy >= h || sx0 < 0 || sx0 >= w)
          for (let ch = 0; ch < c; ch++) img[o0 + ch] = o.padValue[ch]!;
        else {
          const s0 = (sy * w + sx) * c;
          for (let ch = 0; ch < c; ch++) img[o0 + ch] = scratch[s0 + ch]!;
        }
      }
    }
  }
}
