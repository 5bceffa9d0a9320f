import { describe, expect, it } from 'vitest';
import { checkIdxSize, parseIdx, parseIdxHeader } from '../../../core/data/idx.js';
import { idx } from './files.js';

describe('parseIdx', () => {
  it('returns uint8 values as a view of the bytes (no copy)', () => {
    const bytes = idx(0x08, [2, 2], [1, 2, 3, 4]);
    const a = parseIdx(bytes, 'u8');
    expect(a.dims).toEqual([2, 2]);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(a.data.buffer).toBe(bytes.buffer);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4]);
  });

  it('reads float32, float64 and int32 files as float32', () => {
    expect(Array.from(parseIdx(idx(0x0d, [3], [0.5, -1, 2]), 'f').data)).toEqual([0.5, -1, 2]);
    expect(Array.from(parseIdx(idx(0x0e, [2], [0.25, 3]), 'd').data)).toEqual([0.25, 3]);
    expect(Array.from(parseIdx(idx(0x0c, [2], [-7, 70000]), 'i').data)).toEqual([-7, 70000]);
  });

  it('refuses a NaN or infinite pixel in a float file, naming the file and the example', () => {
    expect(() =>
      parseIdx(idx(0x0d, [3, 2, 2], [0, 1, 2, 3, 4, 5, 6, Number.NaN, 8, 9, 10, 11]), 'nan-images'),
    ).toThrow(/nan-images: value 7 \(example 1, position \[1,1\]\) is NaN, not a finite number/);
    expect(() => parseIdx(idx(0x0e, [2], [1, Number.POSITIVE_INFINITY]), 'inf')).toThrow(
      /inf: value 1 .* is Infinity/,
    );
    // A float64 beyond float32's range would become Infinity in memory.
    expect(() => parseIdx(idx(0x0e, [1], [1e300]), 'big')).toThrow(/big: value 0 .* is Infinity/);
  });

  it('checks the size the header implies against the file, from the header alone', () => {
    const bytes = idx(
      0x08,
      [10, 28, 28],
      Array.from({ length: 7840 }, () => 1),
    );
    const h = parseIdxHeader(bytes.subarray(0, 16), 'h');
    expect(h).toEqual({ dims: [10, 28, 28], type: 8, headerBytes: 16, fileBytes: 7856 });
    expect(() => checkIdxSize(h, 7855, 'short')).toThrow(
      /short: IDX header says \[10,28,28\] \(7856 bytes\) but the file has 7855 bytes/,
    );
    expect(() => parseIdxHeader(bytes.subarray(0, 10), 'cut')).toThrow(/cut: truncated IDX header/);
    // Absurd dimensions are a size mismatch, not an allocation.
    const huge = idx(0x08, [4_000_000_000, 4_000_000_000], []);
    expect(() => parseIdx(huge, 'huge')).toThrow(/huge: IDX header says \[4000000000,4000000000\]/);
  });
});
