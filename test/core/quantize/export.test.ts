import { describe, expect, it } from 'vitest';
import { decodeQuantized, encodeQuantized } from '../../../core/quantize/export.js';
import { activationQuant, quantizePerChannel } from '../../../core/quantize/int.js';
import type { QuantizedChild } from '../../../core/quantize/model.js';

function child(bits: number): QuantizedChild {
  const a = quantizePerChannel(new Float32Array([0.5, -1, 0.25, 2, -0.125, 1]), 2, bits);
  const b = quantizePerChannel(new Float32Array([3, -0.3, 0.03]), 3, bits);
  return {
    weightBits: bits,
    weightClip: 'mse',
    activationBits: 8,
    calibrationExamples: 64,
    kernels: [
      { layer: 'stem_conv', shape: [1, 3, 2], ...a },
      { layer: 'head_dense', shape: [1, 3], ...b },
    ],
    activations: [{ tensor: 'input', ...activationQuant(-0.8, 1.9) }],
  };
}

describe('int8 export', () => {
  it('round-trips codes, scales and activation parameters through int8.json + int8.bin', () => {
    for (const bits of [8, 4]) {
      const q = child(bits);
      const { manifest, bin } = encodeQuantized(q);
      expect(bin.length).toBe(9);
      expect(manifest.kernels.map((k) => [k.offset, k.length])).toEqual([
        [0, 6],
        [6, 3],
      ]);
      const back = decodeQuantized(JSON.parse(JSON.stringify(manifest)), bin);
      expect(back.kernels.map((k) => Array.from(k.q))).toEqual(q.kernels.map((k) => Array.from(k.q)));
      expect(back.kernels.map((k) => Array.from(k.scales))).toEqual(
        q.kernels.map((k) => Array.from(k.scales)),
      );
      expect(back.activations).toEqual(q.activations);
      expect(back.weightBits).toBe(bits);
    }
  });

  it('names the file and field of a bad manifest', () => {
    const { manifest, bin } = encodeQuantized(child(8));
    const bad =
      (m: unknown, b = bin) =>
      () =>
        decodeQuantized(m, b, 'models/c/int8.json');
    expect(bad({ ...manifest, format: 'x' })).toThrow(/models\/c\/int8.json: format/);
    expect(bad({ ...manifest, kernels: [{ ...manifest.kernels[0]!, scales: [1] }] })).toThrow(
      /kernels.0: 1 scales for 2 channels/,
    );
    expect(bad(manifest, bin.subarray(0, 5))).toThrow(/kernels.0: bytes 0..6 are past the end/);
    expect(bad({ ...manifest, weightBits: 4 })).toThrow(/outside ±7/);
    expect(bad({ ...manifest, kernels: [{ ...manifest.kernels[0]!, scales: [0, 1] }] })).toThrow(
      /scale must be > 0/,
    );
  });
});
