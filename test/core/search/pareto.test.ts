import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import {
  bestPerObjective,
  hvUnion,
  hypervolume,
  type ParetoPoint,
  paretoFront,
} from '../../../core/search/pareto.js';
import { Objectives } from '../../../core/spec/schema.js';

const p = (id: string, accuracy: number, latencyMs: number, energyMJ = 1, areaMM2 = 1): ParetoPoint => ({
  id,
  metrics: { accuracy, latencyMs, energyMJ, areaMM2 },
});

/** Inclusion-exclusion: exact for any dimension, exponential in the number of points. */
function hvBrute(vs: number[][]): number {
  let total = 0;
  const n = vs.length;
  for (let mask = 1; mask < 1 << n; mask++) {
    const d = vs[0]!.length;
    const mins = new Array<number>(d).fill(Number.POSITIVE_INFINITY);
    let bits = 0;
    for (let i = 0; i < n; i++)
      if (mask & (1 << i)) {
        bits++;
        for (let k = 0; k < d; k++) mins[k] = Math.min(mins[k]!, vs[i]![k]!);
      }
    total += (bits % 2 ? 1 : -1) * mins.reduce((a, b) => a * b, 1);
  }
  return total;
}

describe('paretoFront', () => {
  it('keeps non-dominated points, ordered by id, over any subset of objectives', () => {
    const pts = [p('d', 0.9, 10), p('a', 0.8, 5), p('c', 0.7, 6), p('b', 0.95, 20, 0.5)];
    expect(paretoFront(pts, ['accuracy', 'latencyMs']).map((x) => x.id)).toEqual(['a', 'b', 'd']);
    expect(paretoFront(pts, ['accuracy']).map((x) => x.id)).toEqual(['b']);
    expect(paretoFront(pts, ['latencyMs', 'energyMJ']).map((x) => x.id)).toEqual(['a', 'b']);
  });
  it('keeps ties and is independent of input order', () => {
    const pts = [p('z', 0.9, 10), p('y', 0.9, 10), p('x', 0.5, 50)];
    expect(paretoFront(pts, ['accuracy', 'latencyMs']).map((x) => x.id)).toEqual(['y', 'z']);
    expect(paretoFront([...pts].reverse(), ['accuracy', 'latencyMs']).map((x) => x.id)).toEqual(['y', 'z']);
  });
  it('rejects missing metrics', () => {
    expect(() => paretoFront([{ id: 'a', metrics: { accuracy: 1 } }], ['accuracy', 'areaMM2'])).toThrow(
      /areaMM2/,
    );
  });
});

describe('hypervolume', () => {
  const frame = { reference: { accuracy: 0, latencyMs: 100, energyMJ: 10, areaMM2: 10 } };
  it('2-D known value with normalization', () => {
    // normalized: (0.8, 0.9) and (0.5, 0.95)
    const hv = hypervolume([p('a', 0.8, 10), p('b', 0.5, 5)], ['accuracy', 'latencyMs'], frame);
    expect(hv).toBeCloseTo(0.8 * 0.9 + 0.5 * 0.05, 12);
  });
  it('ignores points past the reference and clips past the ideal', () => {
    expect(hypervolume([p('a', 0.8, 150)], ['accuracy', 'latencyMs'], frame)).toBe(0);
    expect(hypervolume([p('a', 0.8, -5)], ['accuracy', 'latencyMs'], frame)).toBeCloseTo(0.8, 12);
  });
  it('rejects a reference no worse than the ideal', () => {
    expect(() => hypervolume([p('a', 0.8, 1)], ['accuracy'], { reference: { accuracy: 1 } })).toThrow(
      /reference/,
    );
  });
  it('matches inclusion-exclusion in 2, 3 and 4 dimensions', () => {
    const rng = Rng.fromSeed(7);
    for (const d of [2, 3, 4]) {
      for (let trial = 0; trial < 20; trial++) {
        const vs = Array.from({ length: 1 + rng.int(9) }, () =>
          Array.from({ length: d }, () => 0.05 + rng.next() * 0.95),
        );
        expect(hvUnion(vs, d)).toBeCloseTo(hvBrute(vs), 10);
      }
    }
  });
  it('4-D through the public API agrees with a seeded Monte Carlo estimate (3 sigma)', () => {
    const rng = Rng.fromSeed(3);
    const pts = Array.from({ length: 40 }, (_, i) =>
      p(`c${i}`, rng.next(), rng.next() * 100, rng.next() * 10, rng.next() * 10),
    );
    const names = ['accuracy', 'latencyMs', 'energyMJ', 'areaMM2'] as const;
    const hv = hypervolume(pts, names, frame);
    const norm = pts.map((q) => [
      q.metrics.accuracy!,
      1 - q.metrics.latencyMs! / 100,
      1 - q.metrics.energyMJ! / 10,
      1 - q.metrics.areaMM2! / 10,
    ]);
    const mc = Rng.fromSeed(11);
    const N = 40_000;
    let hits = 0;
    for (let i = 0; i < N; i++) {
      const x = [mc.next(), mc.next(), mc.next(), mc.next()];
      if (norm.some((v) => v.every((c, k) => x[k]! <= c))) hits++;
    }
    const est = hits / N;
    const se = Math.sqrt((est * (1 - est)) / N);
    expect(Math.abs(hv - est)).toBeLessThan(3 * se);
    expect(hv).toBeGreaterThan(0);
  });
  it('larger when a dominating point is added', () => {
    const names = ['accuracy', 'latencyMs', 'energyMJ'] as const;
    const a = hypervolume([p('a', 0.5, 50, 5)], names, frame);
    const b = hypervolume([p('a', 0.5, 50, 5), p('b', 0.6, 40, 5)], names, frame);
    expect(b).toBeGreaterThan(a);
    expect(a).toBeCloseTo(0.5 * 0.5 * 0.5, 12);
  });
});

describe('bestPerObjective', () => {
  it('best feasible point per objective, ties by id', () => {
    const o = Objectives.parse({ areaMM2: { limit: 5 }, latencyMs: { target: 30, mode: 'hard' } });
    const pts = [p('a', 0.9, 10, 1, 6), p('b', 0.8, 20, 2, 4), p('c', 0.85, 40, 1, 1), p('d', 0.8, 20, 2, 4)];
    const best = bestPerObjective(pts, o);
    expect(best.accuracy?.id).toBe('b'); // a violates area, c the hard latency target
    expect(best.latencyMs?.id).toBe('b');
    expect(best.areaMM2?.id).toBe('b');
    expect(bestPerObjective([p('a', 0.9, 10, 1, 6)], o).accuracy).toBeNull();
  });
});
