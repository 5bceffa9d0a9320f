import { describe, expect, it } from 'vitest';
import { Rng, type RngState } from '../../core/rng.js';

// Golden values: if any of these change, every stored search stops being reproducible.
describe('Rng golden sequences', () => {
  it('fromSeed(42).nextUint32()', () => {
    const r = Rng.fromSeed(42);
    expect(Array.from({ length: 8 }, () => r.nextUint32())).toEqual([
      2377415449, 3601940716, 479075629, 665264598, 3981974796, 361231762, 2495287050, 1105186561,
    ]);
  });

  it('fromSeed(42).next()', () => {
    const r = Rng.fromSeed(42);
    expect(Array.from({ length: 4 }, () => r.next())).toEqual([
      0.5535351696509284, 0.11154348518620416, 0.9271257525988357, 0.5809792895415522,
    ]);
  });

  it("fromSeed('cosearch').int(10), fromSeed(7).normal(), shuffle, categorical", () => {
    const r = Rng.fromSeed('cosearch');
    expect(Array.from({ length: 12 }, () => r.int(10))).toEqual([3, 9, 2, 9, 6, 5, 1, 2, 6, 4, 4, 8]);
    const n = Rng.fromSeed(7);
    expect(Array.from({ length: 3 }, () => n.normal())).toEqual([
      -0.5370121606359556, 1.036905547989325, -1.1845642262788938,
    ]);
    expect(Rng.fromSeed(1).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([9, 1, 0, 3, 7, 5, 8, 6, 2, 4]);
    const c = Rng.fromSeed(3);
    expect(Array.from({ length: 10 }, () => c.categorical([1, 2, 3, 4]))).toEqual([
      2, 3, 3, 3, 3, 2, 2, 3, 0, 2,
    ]);
  });

  it('fromSeed(0).state() and fromSeed(42).split("child")', () => {
    expect(Rng.fromSeed(0).state()).toEqual([-1713519632, 1588002464, -635008393, 1383971541]);
    const child = Rng.fromSeed(42).split('child');
    expect(Array.from({ length: 4 }, () => child.nextUint32())).toEqual([
      675908946, 479316232, 3677601550, 2124368940,
    ]);
  });

  it('numeric and string seeds of the same text agree; different seeds differ', () => {
    expect(Rng.fromSeed(5).nextUint32()).toBe(Rng.fromSeed('5').nextUint32());
    expect(Rng.fromSeed(5).nextUint32()).not.toBe(Rng.fromSeed(6).nextUint32());
  });
});

describe('Rng.int', () => {
  it('stays in range and is close to uniform (chi-square)', () => {
    const r = Rng.fromSeed('int-uniform');
    const n = 7;
    const draws = 70_000;
    const counts = new Array<number>(n).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < draws; i++) {
      const x = r.int(n);
      if (Number.isInteger(x) && x >= 0 && x < n) counts[x]!++;
      else outOfRange++;
    }
    expect(outOfRange).toBe(0);
    const expected = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
    expect(chi2).toBeLessThan(22.46);
  });

  it('is unbiased for a bound that does not divide 2^32', () => {
    // With plain modulo, 3 * 2^30 would give [0, 2^30) twice the weight of the rest.
    const r = Rng.fromSeed('int-bias');
    const n = 3 * 2 ** 30;
    let low = 0;
    const draws = 30_000;
    for (let i = 0; i < draws; i++) if (r.int(n) < 2 ** 30) low++;
    expect(low / draws).toBeGreaterThan(0.3);
    expect(low / draws).toBeLessThan(0.367);
  });

  it('covers bounds 1 and 2^32 and rejects bad bounds', () => {
    const r = Rng.fromSeed(1);
    expect(r.int(1)).toBe(0);
    const big = r.int(2 ** 32);
    expect(big >= 0 && big < 2 ** 32).toBe(true);
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32 + 1]) expect(() => r.int(bad)).toThrow(RangeError);
  });

  it('next() stays in [0, 1) with a mean near 1/2', () => {
    const r = Rng.fromSeed('next');
    let sum = 0;
    let outOfRange = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = r.next();
      if (!(x >= 0 && x < 1)) outOfRange++;
      sum += x;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.01);
  });
});

describe('Rng.split and state', () => {
  it('split does not advance the parent', () => {
    const a = Rng.fromSeed(9);
    const b = Rng.fromSeed(9);
    a.split('x');
    a.split(3);
    expect(a.state()).toEqual(b.state());
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('splits are deterministic, differ by label, and differ from the parent', () => {
    const p = Rng.fromSeed(9);
    expect(p.split('x').nextUint32()).toBe(Rng.fromSeed(9).split('x').nextUint32());
    expect(p.split('x').nextUint32()).not.toBe(p.split('y').nextUint32());
    expect(p.split('x').nextUint32()).not.toBe(Rng.fromSeed(9).nextUint32());
  });

  it('fromState(state()) continues the same stream, also through JSON', () => {
    const a = Rng.fromSeed('resume');
    for (let i = 0; i < 17; i++) a.next();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())) as RngState);
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(
      Array.from({ length: 10 }, () => a.nextUint32()),
    );
  });

  it('a state saved as unsigned words resumes the same stream and the same splits', () => {
    const a = Rng.fromSeed('unsigned');
    const unsigned = a.state().map((x) => x >>> 0) as unknown as RngState;
    const b = Rng.fromState(unsigned);
    expect(b.state()).toEqual(a.state());
    expect(b.split('child').nextUint32()).toBe(a.split('child').nextUint32());
    expect(b.nextUint32()).toBe(a.nextUint32());
  });

  it('fromState rejects anything but four 32-bit integers', () => {
    for (const bad of [[1, 2, 3], [1, 2, 3, 1.5], [1, 2, 3, 2 ** 32], ['1', 2, 3, 4], null])
      expect(() => Rng.fromState(bad as unknown as RngState)).toThrow(/four 32-bit integers/);
  });
});

describe('Rng helpers', () => {
  it('shuffle is a permutation', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const s = Rng.fromSeed(4).shuffle([...xs]);
    expect([...s].sort((a, b) => a - b)).toEqual(xs);
    expect(s).not.toEqual(xs);
  });

  it('categorical follows the weights and rejects bad ones', () => {
    const r = Rng.fromSeed('cat');
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.categorical([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 30_000).toBeCloseTo(0.25, 1);
    for (const bad of [[], [0, 0], [1, -0.5], [1, Number.NaN], [Number.POSITIVE_INFINITY]])
      expect(() => r.categorical(bad)).toThrow(RangeError);
  });

  it('normal has mean ~0 and variance ~1', () => {
    const r = Rng.fromSeed('normal');
    const xs = Array.from({ length: 20_000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
