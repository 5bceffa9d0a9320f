import { describe, expect, it } from 'vitest';
import {
  activationQuant,
  dequantizePerChannel,
  fakeQuantInto,
  quantizePerChannel,
  RangeObserver,
  roundHalfAway,
  symmetricMax,
} from '../../../core/quantize/int.js';
import { Rng } from '../../../core/rng.js';

/** A kernel whose channels have very different magnitudes (as trained kernels do). */
function kernel(n: number, channels: number, seed: number): Float32Array {
  const rng = Rng.fromSeed(seed);
  const w = new Float32Array(n * channels);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 10 ** ((i % channels) - 2);
  return w;
}

describe('integer arithmetic', () => {
  it('rounds half away from zero, symmetrically', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.49, -1.51].map(roundHalfAway)).toEqual([3, -3, 1, -1, 1, -2]);
    expect(symmetricMax(8)).toBe(127);
    expect(symmetricMax(4)).toBe(7);
    expect(() => symmetricMax(9)).toThrow(/bit width/);
  });

  it('max: per-channel scales are max|w_c| / qmax, and the round trip errs by at most half a step', () => {
    const channels = 4;
    const w = kernel(50, channels, 1);
    for (const bits of [8, 4]) {
      const q = quantizePerChannel(w, channels, bits, 'max');
      const qmax = symmetricMax(bits);
      expect(q.scales.length).toBe(channels);
      for (let c = 0; c < channels; c++) {
        let m = 0;
        for (let i = c; i < w.length; i += channels) m = Math.max(m, Math.abs(w[i]!));
        expect(q.scales[c]).toBeCloseTo(Math.fround(m / qmax), 12);
      }
      // The largest value of each channel is a full-scale code.
      for (let c = 0; c < channels; c++) {
        let best = c;
        for (let i = c; i < w.length; i += channels) if (Math.abs(w[i]!) > Math.abs(w[best]!)) best = i;
        expect(Math.abs(q.q[best]!)).toBe(qmax);
      }
      const back = dequantizePerChannel(q);
      for (let i = 0; i < w.length; i++) {
        expect(Math.abs(q.q[i]!)).toBeLessThanOrEqual(qmax);
        expect(Math.abs(back[i]! - w[i]!)).toBeLessThanOrEqual(q.scales[i % channels]! * 0.5 * (1 + 1e-6));
      }
    }
  });

  it('mse: the clipping never errs more than max, and helps at 4 bits when a channel has an outlier', () => {
    const channels = 4;
    const w = kernel(200, channels, 4);
    w[0] = 40; // one outlier in channel 0 (its others are ~0.01)
    const sq = (q: ReturnType<typeof quantizePerChannel>, c: number) => {
      const back = dequantizePerChannel(q);
      let e = 0;
      for (let i = c; i < w.length; i += channels) e += (back[i]! - w[i]!) ** 2;
      return e;
    };
    for (const bits of [8, 4]) {
      const mse = quantizePerChannel(w, channels, bits);
      const max = quantizePerChannel(w, channels, bits, 'max');
      for (let c = 0; c < channels; c++) {
        expect(sq(mse, c)).toBeLessThanOrEqual(sq(max, c) * (1 + 1e-9));
        expect(mse.scales[c]).toBeLessThanOrEqual(max.scales[c]!);
        expect(mse.scales[c]).toBeGreaterThanOrEqual(max.scales[c]! * 0.3 * (1 - 1e-6));
      }
      for (const v of mse.q) expect(Math.abs(v)).toBeLessThanOrEqual(symmetricMax(bits));
    }
    const w4 = kernel(200, channels, 5);
    const mse4 = quantizePerChannel(w4, channels, 4);
    const max4 = quantizePerChannel(w4, channels, 4, 'max');
    // Gaussian weights at 4 bits: clipping the tails wins on every channel.
    for (let c = 0; c < channels; c++) expect(mse4.scales[c]).toBeLessThan(max4.scales[c]!);
    expect(quantizePerChannel(w4, channels, 4)).toEqual(mse4);
  });

  it('per-channel keeps a small channel precise where one per-tensor scale would zero it', () => {
    const w = kernel(50, 4, 2);
    const back = dequantizePerChannel(quantizePerChannel(w, 4, 8));
    const perTensor = dequantizePerChannel(quantizePerChannel(w, 1, 8));
    const err = (b: Float32Array) => {
      let e = 0;
      for (let i = 0; i < w.length; i += 4) e += Math.abs(b[i]! - w[i]!) / Math.abs(w[i]!);
      return e / (w.length / 4);
    };
    expect(err(back)).toBeLessThan(0.05);
    expect(err(perTensor)).toBeGreaterThan(0.5);
  });

  it('a zero channel gets scale 1 and zero codes; a NaN weight is refused', () => {
    const q = quantizePerChannel(new Float32Array([0, 1, 0, -2]), 2, 8, 'max');
    expect(Array.from(q.scales)).toEqual([1, Math.fround(2 / 127)]);
    expect(Array.from(q.q)).toEqual([0, 64, 0, -127]);
    expect(() => quantizePerChannel(new Float32Array([Number.NaN, 1]), 2, 8)).toThrow(/cannot quantize/);
    expect(() => quantizePerChannel(new Float32Array(3), 2, 8)).toThrow(/channels/);
  });

  it('activation ranges contain 0 exactly; fake-quant errs by half a step inside and clamps outside', () => {
    const a = activationQuant(0, 6);
    expect(a.zeroPoint).toBe(-128);
    expect(a.scale).toBeCloseTo(6 / 255, 15);
    const b = activationQuant(-1.3, 2.9);
    expect(Number.isInteger(b.zeroPoint)).toBe(true);
    expect(fakeQuantInto([0], new Float32Array(1), b)[0]).toBe(0);
    const rng = Rng.fromSeed(3);
    const xs = Array.from({ length: 1000 }, () => -1.3 + rng.next() * 4.2);
    const y = fakeQuantInto(xs, new Float32Array(xs.length), b);
    for (let i = 0; i < xs.length; i++)
      expect(Math.abs(y[i]! - xs[i]!)).toBeLessThanOrEqual(b.scale / 2 + 1e-6);
    const out = fakeQuantInto([100, -100], new Float32Array(2), b);
    expect(out[0]).toBeCloseTo((127 - b.zeroPoint) * b.scale, 6);
    expect(out[1]).toBeCloseTo((-128 - b.zeroPoint) * b.scale, 6);
    // A positive-only range gives 256 levels from 0: ReLU outputs lose nothing to the sign.
    expect(
      new Set(
        fakeQuantInto(
          xs.map((x) => Math.abs(x) * 1.5),
          new Float32Array(1000),
          a,
        ),
      ).size,
    ).toBeLessThanOrEqual(256);
  });

  it('observes min and max over batches and refuses NaN', () => {
    const o = new RangeObserver();
    o.observe([1, 2]);
    o.observe([-3, 0.5]);
    expect([o.min, o.max]).toEqual([-3, 2]);
    expect(() => o.observe([0, Number.NaN])).toThrow(/NaN/);
    expect(() => new RangeObserver().params()).toThrow(/no calibration/);
  });
});
