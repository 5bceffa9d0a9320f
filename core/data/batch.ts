// Model inputs from stored pixels: per-channel statistics of the training split, and batches
// normalized as they are gathered. Every consumer (trainer, evaluation, AutoHAS batches) builds its
// float32 inputs here, so the stored type never leaks into a model.
import type { Normalization, Pixels, Split } from './dataset.js';

/** Per-channel mean and std of stored pixels (std floored so constant channels stay finite). */
export function channelStats(x: Pixels, channels: number): Normalization {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  if (x instanceof Uint8Array) {
    // A histogram per channel: exact (integer sums), and one pass of increments.
    const hist = new Float64Array(256 * channels);
    for (let i = 0; i < x.length; i += channels)
      for (let c = 0; c < channels; c++) hist[c * 256 + x[i + c]!]!++;
    for (let c = 0; c < channels; c++)
      for (let v = 0; v < 256; v++) {
        const k = hist[c * 256 + v]!;
        sum[c]! += k * v;
        sq[c]! += k * v * v;
      }
  } else
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      sum[i % channels]! += v;
      sq[i % channels]! += v * v;
    }
  const count = x.length / channels;
  const mean = Array.from(sum, (v) => v / count);
  const std = Array.from(sq, (v, c) => Math.max(1e-6, Math.sqrt(Math.max(0, v / count - mean[c]! ** 2))));
  return { mean, std };
}

// The normalized value of every byte per channel: a uint8 batch is then one lookup per pixel.
const tables = new WeakMap<Normalization, Float32Array>();

function byteTable(norm: Normalization): Float32Array {
  let t = tables.get(norm);
  if (!t) {
    const c = norm.mean.length;
    t = new Float32Array(256 * c);
    for (let v = 0; v < 256; v++)
      for (let ch = 0; ch < c; ch++) t[v * c + ch] = (v - norm.mean[ch]!) / norm.std[ch]!;
    tables.set(norm, t);
  }
  return t;
}

/** Writes `per` stored values from src[from] to dst[to] as (value - mean[c]) / std[c]. */
function normalizeInto(
  src: Pixels,
  from: number,
  dst: Float32Array,
  to: number,
  per: number,
  norm: Normalization,
): void {
  const c = norm.mean.length;
  if (src instanceof Uint8Array) {
    const t = byteTable(norm);
    if (c === 1) for (let k = 0; k < per; k++) dst[to + k] = t[src[from + k]!]!;
    else for (let k = 0; k < per; k++) dst[to + k] = t[src[from + k]! * c + (k % c)]!;
    return;
  }
  for (let k = 0; k < per; k++) dst[to + k] = (src[from + k]! - norm.mean[k % c]!) / norm.std[k % c]!;
}

/**
 * Gathers examples rows[first … first+count) of a split into `x` (normalized, NHWC) and `y`.
 * `per` is h·w·c. The buffers are the caller's, reused from batch to batch.
 */
export function gatherRows(
  split: Split,
  per: number,
  rows: ArrayLike<number>,
  first: number,
  count: number,
  x: Float32Array,
  y: Int32Array,
): void {
  for (let i = 0; i < count; i++) {
    const r = rows[first + i]!;
    normalizeInto(split.x, r * per, x, i * per, per, split.normalization);
    y[i] = split.y[r]!;
  }
}

/** Examples start … start+count of a split, in order, into `x` (normalized, NHWC). */
export function sliceRows(split: Split, per: number, start: number, count: number, x: Float32Array): void {
  normalizeInto(split.x, start * per, x, 0, count * per, split.normalization);
}
