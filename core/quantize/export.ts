// The quantized child as files beside the fp32 tfjs model: `int8.bin` holds every kernel's codes
// (one signed byte per weight, 4-bit codes too, kernels back to back in int8.json's order) and
// `int8.json` says where each kernel starts, its shape and per-channel scales, and the affine
// parameters of every stored activation. Biases and batch-norm parameters stay in the fp32
// weights.bin: folding batch-norm multiplies a kernel's scale for channel c by gamma_c/sqrt(var_c+eps)
// and leaves its codes as they are (up to the sign).
import { z } from 'zod';
import type { QuantizedChild } from './model.js';

export const INT8_FORMAT = 'cosearch-int8';
export const INT8_VERSION = 1;

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

export const Int8Manifest = z.strictObject({
  format: z.literal(INT8_FORMAT),
  version: z.literal(INT8_VERSION),
  /** How to read the numbers back to reals. */
  scheme: z.string().max(2000),
  weightBits: z.number().int().min(2).max(8),
  /** How the weight scales were chosen: max|w|/qmax per channel, or the least-squared-error clipping. */
  weightClip: z.enum(['max', 'mse']),
  activationBits: z.number().int().min(2).max(8),
  calibrationExamples: z.number().int().min(1),
  kernels: z
    .array(
      z.strictObject({
        layer: z.string().min(1).max(256),
        shape: z.array(z.number().int().min(1)).min(1).max(8),
        /** Byte offset and count in int8.bin. */
        offset: z.number().int().min(0),
        length: z.number().int().min(1),
        /** Scales are per output channel: the innermost `channels` values of the kernel. */
        channels: z.number().int().min(1),
        scales: z.array(finite.refine((v) => v > 0, { message: 'a scale must be > 0' })),
      }),
    )
    .max(10_000),
  activations: z
    .array(
      z.strictObject({
        tensor: z.string().min(1).max(256),
        scale: finite,
        zeroPoint: z.number().int(),
        min: finite,
        max: finite,
        bits: z.number().int().min(2).max(8),
      }),
    )
    .max(10_000),
});
export type Int8Manifest = z.infer<typeof Int8Manifest>;

const SCHEME =
  'weight = code * scales[i % channels] (symmetric, per output channel, kernels channels-last); ' +
  'activation = (code - zeroPoint) * scale (per tensor, named by the layer that outputs it; "input" is the model input, ' +
  'after the (pixel - mean) / std in model.json); batch-norm folds into the conv before it, ReLU into the op before it';

/** int8.json and int8.bin of a quantized child. */
export function encodeQuantized(q: QuantizedChild): { manifest: Int8Manifest; bin: Uint8Array } {
  const total = q.kernels.reduce((n, k) => n + k.q.length, 0);
  const bin = new Uint8Array(total);
  let offset = 0;
  const kernels = q.kernels.map((k) => {
    bin.set(new Uint8Array(k.q.buffer, k.q.byteOffset, k.q.length), offset);
    const entry = {
      layer: k.layer,
      shape: [...k.shape],
      offset,
      length: k.q.length,
      channels: k.channels,
      scales: Array.from(k.scales),
    };
    offset += k.q.length;
    return entry;
  });
  return {
    manifest: {
      format: INT8_FORMAT,
      version: INT8_VERSION,
      scheme: SCHEME,
      weightBits: q.weightBits,
      weightClip: q.weightClip,
      activationBits: q.activationBits,
      calibrationExamples: q.calibrationExamples,
      kernels,
      activations: q.activations.map((a) => ({ ...a })),
    },
    bin,
  };
}

/** Reads int8.json (unknown JSON, validated) and int8.bin back; `where` names the files in errors. */
export function decodeQuantized(json: unknown, bin: Uint8Array, where = 'int8.json'): QuantizedChild {
  const r = Int8Manifest.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const m = r.data;
  const kernels = m.kernels.map((k, i) => {
    const size = k.shape.reduce((a, b) => a * b, 1);
    const at = `${where}: kernels.${i}`;
    if (k.length !== size) throw new Error(`${at}: length ${k.length} is not the shape's ${size} values`);
    if (k.offset + k.length > bin.length)
      throw new Error(`${at}: bytes ${k.offset}..${k.offset + k.length} are past the end of int8.bin`);
    if (size % k.channels !== 0 || k.scales.length !== k.channels)
      throw new Error(`${at}: ${k.scales.length} scales for ${k.channels} channels of ${size} values`);
    const q = new Int8Array(
      bin.buffer.slice(bin.byteOffset + k.offset, bin.byteOffset + k.offset + k.length),
    );
    const qmax = 2 ** (m.weightBits - 1) - 1;
    if (q.some((v) => v > qmax || v < -qmax))
      throw new Error(`${at}: a code is outside ±${qmax} (${m.weightBits}-bit weights)`);
    return {
      layer: k.layer,
      shape: k.shape,
      q,
      scales: Float32Array.from(k.scales),
      bits: m.weightBits,
      channels: k.channels,
    };
  });
  return {
    weightBits: m.weightBits,
    weightClip: m.weightClip,
    activationBits: m.activationBits,
    calibrationExamples: m.calibrationExamples,
    kernels,
    activations: m.activations,
  };
}
