import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { augmentBatch } from '../../../core/training/augment.js';

const shape = [3, 3, 1] as const;
const img = () => Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('augmentBatch', () => {
  it('leaves the batch alone without augmentation', () => {
    const x = img();
    augmentBatch(x, 1, shape, { augment: 'none', cropPadding: 1, padValue: [0] }, Rng.fromSeed(1));
    expect([...x]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('flips rows left to right, or not, with the seeded stream', () => {
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) {
      const x = img();
      augmentBatch(x, 1, shape, { augment: 'flip', cropPadding: 1, padValue: [0] }, Rng.fromSeed(s));
      seen.add(x.join());
    }
    expect([...seen].sort()).toEqual(['1,2,3,4,5,6,7,8,9', '3,2,1,6,5,4,9,8,7']);
  });

  it('crops a padded image: shifted content, padding value at the edges, same draws for the same seed', () => {
    const out = new Set<string>();
    for (let s = 0; s < 60; s++) {
      const a = img();
      const b = img();
      const o = { augment: 'crop' as const, cropPadding: 1, padValue: [-1] };
      augmentBatch(a, 1, shape, o, Rng.fromSeed(s));
      augmentBatch(b, 1, shape, o, Rng.fromSeed(s));
      expect(a).toEqual(b);
      out.add(a.join());
    }
    // Shifted by one right and one down: the top row and left column are padding.
    expect(out).toContain('-1,-1,-1,-1,1,2,-1,4,5');
    expect(out).toContain('1,2,3,4,5,6,7,8,9');
    expect(out.size).toBe(9);
  });
});
