// Integer quantization arithmetic, on plain arrays: per-output-channel symmetric weights and
// per-tensor asymmetric (affine) activations, the scheme of TFLite's int8 post-training
// quantization. Every rounding goes through roundHalfAway so a value and its negation quantize
// symmetrically and the results do not depend on the tensor library.

/** Bit widths the accelerators' weight datapath supports; activations are always 8-bit. */
export const WEIGHT_BITS = [8, 4] as const;
export type WeightBits = (typeof WEIGHT_BITS)[number];
export const ACTIVATION_BITS = 8;

/** Round half away from zero (C's `round`, what TFLite uses for weights). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Largest magnitude of a symmetric `bits`-bit code: 127 for 8, 7 for 4 (−2^(b−1) unused). */
export function symmetricMax(bits: number): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8)
    throw new RangeError(`bit width must be a whole number from 2 to 8, got ${bits}`);
  return 2 ** (bits - 1) - 1;
}

export interface PerChannelWeights {
  /** One code per value, in [−symmetricMax(bits), symmetricMax(bits)], same layout as the input. */
  q: Int8Array;
  /** One scale per output channel: value ≈ q · scales[channel]. */
  scales: Float32Array;
  bits: number;
  /** Channels are the innermost `channels` values (the last axis of a channels-last kernel). */
  channels: number;
}

/** How a channel's scale is chosen: its largest magnitude, or the clipping that errs least. */
export type WeightClip = 'max' | 'mse';

/** Clipping ratios tried by `mse`, largest first: 1 (no clipping) down to 0.3 in steps of 0.05. */
const CLIP_RATIOS = Array.from({ length: 15 }, (_, j) => 1 - 0.05 * j);

/**
 * Symmetric per-channel quantization of a kernel whose output channel is its innermost index
 * (`i % channels`): q = clamp(round(w / scale_c), ±qmax). With `max`, scale_c = max|w_c| / qmax
 * (TFLite's rule). With `mse` (the default), scale_c = r·max|w_c| / qmax for the ratio r in
 * CLIP_RATIOS with the least squared error over the channel: clipping a few outliers buys finer
 * steps for the rest, which matters at 4 bits (15 levels) and changes little at 8. A channel of
 * zeros gets scale 1 (all codes 0) so no scale is 0 or NaN.
 */
export function quantizePerChannel(
  values: Float32Array,
  channels: number,
  bits: number,
  clip: WeightClip = 'mse',
): PerChannelWeights {
  if (!Number.isInteger(channels) || channels < 1 || values.length % channels !== 0)
    throw new RangeError(`cannot split ${values.length} values into ${channels} channels`);
  const qmax = symmetricMax(bits);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`weight ${i} is ${v}: cannot quantize`);
    const c = i % channels;
    const a = Math.abs(v);
    if (a > absMax[c]!) absMax[c] = a;
  }
  const code = (v: number, scale: number) => Math.min(qmax, Math.max(-qmax, roundHalfAway(v / scale)));
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    if (!(absMax[c]! > 0)) {
      scales[c] = 1;
      continue;
    }
    scales[c] = absMax[c]! / qmax;
    if (clip === 'max') continue;
    let best = Number.POSITIVE_INFINITY;
    for (const r of CLIP_RATIOS) {
      const s = Math.fround((r * absMax[c]!) / qmax);
      let err = 0;
      for (let i = c; i < values.length; i += channels) err += (code(values[i]!, s) * s - values[i]!) ** 2;
      // Strictly less: on a tie the wider range (less clipping) stays.
      if (err < best) {
        best = err;
        scales[c] = s;
      }
    }
  }
  const q = new Int8Array(values.length);
  // The clamp also covers float32 scales that put the largest value a hair past qmax.
  for (let i = 0; i < values.length; i++) q[i] = code(values[i]!, scales[i % channels]!);
  return { q, scales, bits, channels };
}

/** The real values the codes stand for (what the int8 datapath multiplies by). */
export function dequantizePerChannel(w: PerChannelWeights): Float32Array {
  const out = new Float32Array(w.q.length);
  for (let i = 0; i < out.length; i++) out[i] = w.q[i]! * w.scales[i % w.channels]!;
  return out;
}

/** Affine per-tensor quantization of an activation: real = (q − zeroPoint) · scale. */
export interface ActivationQuant {
  scale: number;
  zeroPoint: number;
  /** Calibrated range (widened to contain 0). */
  min: number;
  max: number;
  bits: number;
}

/**
 * Parameters covering [min, max] with 2^bits signed codes. The range is widened to contain 0 so
 * that 0 (padding, ReLU's floor) is exact; the zero point is then a whole code.
 */
export function activationQuant(min: number, max: number, bits: number = ACTIVATION_BITS): ActivationQuant {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max)
    throw new RangeError(`bad activation range [${min}, ${max}]`);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const qmin = -(2 ** (bits - 1));
  const qmax = 2 ** (bits - 1) - 1;
  const scale = hi > lo ? (hi - lo) / (qmax - qmin) : 1;
  const zp = qmin - roundHalfAway(lo / scale);
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zp)), min: lo, max: hi, bits };
}

/** Quantize-dequantize `src` into `dst` (may be the same array): clamps to the code range. */
export function fakeQuantInto(src: ArrayLike<number>, dst: Float32Array, a: ActivationQuant): Float32Array {
  const qmin = -(2 ** (a.bits - 1));
  const qmax = 2 ** (a.bits - 1) - 1;
  const { scale, zeroPoint } = a;
  for (let i = 0; i < src.length; i++) {
    const q = Math.min(qmax, Math.max(qmin, roundHalfAway(src[i]! / scale) + zeroPoint));
    dst[i] = (q - zeroPoint) * scale;
  }
  return dst;
}

/** Running min/max of a tensor over calibration batches. */
export class RangeObserver {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  observe(values: ArrayLike<number>): void {
    let lo = this.min;
    let hi = this.max;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (Number.isNaN(v)) throw new RangeError('NaN activation during calibration');
    }
    this.min = lo;
    this.max = hi;
  }

  params(bits: number = ACTIVATION_BITS): ActivationQuant {
    if (this.min > this.max) throw new Error('no calibration data observed');
    return activationQuant(this.min, this.max, bits);
  }
}
