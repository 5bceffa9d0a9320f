import { describe, expect, it } from 'vitest';
import { basisValues, numericChoices } from '../../../core/space/bases.js';

describe('basisValues', () => {
  it('log scale spans [min, max] with a constant ratio', () => {
    const v = basisValues({ min: 1e-4, max: 1e-1, bases: 4, scale: 'log' });
    expect(v).toEqual([0.0001, 0.001, 0.01, 0.1]);
  });

  it('linear scale spans [min, max] with a constant step, min may be 0', () => {
    expect(basisValues({ min: 0, max: 1, bases: 5, scale: 'linear' })).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('two bases are the end points; values are rounded to 12 significant digits', () => {
    expect(basisValues({ min: 0.003, max: 0.7, bases: 2, scale: 'log' })).toEqual([0.003, 0.7]);
    for (const x of basisValues({ min: 1e-5, max: 3, bases: 7, scale: 'log' }))
      expect(Number(x.toPrecision(12))).toBe(x);
  });

  it('numericChoices passes lists through (copied) and expands ranges', () => {
    const list = [0.1, 0.01];
    const out = numericChoices(list);
    expect(out).toEqual(list);
    expect(out).not.toBe(list);
    expect(numericChoices({ min: 1, max: 100, bases: 3, scale: 'log' })).toEqual([1, 10, 100]);
  });
});
