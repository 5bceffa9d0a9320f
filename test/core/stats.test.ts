import { describe, expect, it } from 'vitest';
import { mean, median, quantile } from '../../core/stats.js';

describe('stats', () => {
  it('median: the middle value, or the mean of the middle two; input left unsorted', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([4, 1, 3, 2])).toBe(quantile([4, 1, 3, 2], 0.5));
  });
  it('mean', () => {
    expect(mean([1, 2, 6])).toBe(3);
  });
  it('refuses an empty sample', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => mean([])).toThrow(/empty/);
    expect(() => quantile([], 0.5)).toThrow(/empty/);
  });
});
