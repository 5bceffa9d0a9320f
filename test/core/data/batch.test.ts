import { describe, expect, it } from 'vitest';
import { channelStats, gatherRows, sliceRows } from '../../../core/data/batch.js';
import type { Split } from '../../../core/data/dataset.js';

const f32 = Math.fround;

describe('channelStats', () => {
  it('gives the same mean and std for bytes (histogram) as for the same values as floats', () => {
    const bytes = Uint8Array.from({ length: 3 * 500 }, (_, i) => (i * 37 + (i % 3) * 11) % 256);
    const a = channelStats(bytes, 3);
    const b = channelStats(Float32Array.from(bytes), 3);
    expect(a).toEqual(b);
    // Channel 1 by hand.
    const ch = Array.from(bytes).filter((_, i) => i % 3 === 1);
    const mean = ch.reduce((s, v) => s + v, 0) / ch.length;
    expect(a.mean[1]).toBeCloseTo(mean, 10);
    expect(a.std[1]).toBeCloseTo(Math.sqrt(ch.reduce((s, v) => s + (v - mean) ** 2, 0) / ch.length), 8);
  });

  it('floors the std of a constant channel so it stays finite', () => {
    expect(channelStats(new Uint8Array(10).fill(7), 1)).toEqual({ mean: [7], std: [1e-6] });
  });
});

describe('gatherRows / sliceRows', () => {
  // 4 examples of 2×1×2 (h, w, c): example r, pixel p, channel c has value 10r + 2p + c.
  const per = 4;
  const values = Array.from({ length: 4 * per }, (_, i) => 10 * Math.floor(i / per) + (i % per));
  const normalization = { mean: [3, 5], std: [2, 4] };
  const expected = (r: number) =>
    Array.from({ length: per }, (_, k) =>
      f32((values[r * per + k]! - normalization.mean[k % 2]!) / normalization.std[k % 2]!),
    );

  for (const [name, x] of [
    ['uint8', Uint8Array.from(values)],
    ['float32', Float32Array.from(values)],
  ] as const) {
    const split: Split = { x, y: Int32Array.from([0, 1, 2, 3]), n: 4, normalization };

    it(`${name}: gathers the rows asked for, normalized per channel`, () => {
      const xs = new Float32Array(2 * per).fill(Number.NaN);
      const ys = new Int32Array(2);
      gatherRows(split, per, [9, 3, 1, 9], 1, 2, xs, ys);
      expect(Array.from(xs)).toEqual([...expected(3), ...expected(1)]);
      expect(Array.from(ys)).toEqual([3, 1]);
    });

    it(`${name}: slices consecutive rows`, () => {
      const xs = new Float32Array(3 * per);
      sliceRows(split, per, 1, 3, xs);
      expect(Array.from(xs)).toEqual([...expected(1), ...expected(2), ...expected(3)]);
    });
  }
});
