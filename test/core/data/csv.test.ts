import { describe, expect, it } from 'vitest';
import { parseCsvImages } from '../../../core/data/csv.js';
import { DatasetError } from '../../../core/data/dataset.js';
import { csv } from './files.js';

const opts = { shape: [2, 2, 1] as const, source: 'd.csv' };

describe('parseCsvImages', () => {
  it('keeps whole 0–255 pixels as bytes', () => {
    const d = parseCsvImages(csv(10, 3), opts);
    expect(d.x).toBeInstanceOf(Uint8Array);
    expect(Array.from(d.x.subarray(0, 8))).toEqual([0, 0, 1, 0, 1, 3, 1, 1]);
  });

  it('widens to float32 at the first pixel that is not a byte, keeping the rows before it', () => {
    for (const odd of ['0.5', '256', '-1']) {
      const d = parseCsvImages(`${csv(3, 2)}${odd},1,2,3,1\n`, opts);
      expect(d.x).toBeInstanceOf(Float32Array);
      expect(Array.from(d.x)).toEqual([0, 0, 1, 0, 1, 3, 1, 1, 2, 1, 1, 0, Number(odd), 1, 2, 3]);
    }
  });

  it('refuses NaN, Infinity and values beyond float32, naming line and column', () => {
    expect(() => parseCsvImages('1,NaN,1,1,0\n', opts)).toThrow(/d.csv line 1 column 2: not a number: "NaN"/);
    expect(() => parseCsvImages('1,1,Infinity,1,0\n', opts)).toThrow(/line 1 column 3: not a number/);
    expect(() => parseCsvImages('1,1,1,1e39,0\n', opts)).toThrow(
      /line 1 column 4: 1e\+39 is beyond float32 range/,
    );
  });

  it('refuses a label of 999,999,999 without numClasses (it would make a 1e9-way classifier)', () => {
    const text = `${csv(5, 2)}1,1,1,1,999999999\n`;
    expect(() => parseCsvImages(text, opts)).toThrow(
      /d.csv line 6: label 999999999 would make 1000000000 classes; 10,000 or more classes need numClasses/,
    );
    expect(() => parseCsvImages(`1,1,1,1,9999\n`, opts)).toThrow(DatasetError);
    // numClasses says so: a large label is fine below it.
    expect(parseCsvImages(`1,1,1,1,50000\n1,1,1,1,0\n`, { ...opts, numClasses: 60_000 }).numClasses).toBe(
      60_000,
    );
  });

  it('3,000 blank lines with shape 512×512×16: no examples, and nothing allocated for them', () => {
    const text = '\n'.repeat(3000);
    expect(() => parseCsvImages(text, { shape: [512, 512, 16], source: 'blank.csv' })).toThrow(
      /blank.csv: no examples/,
    );
    // One short row among them fails on its width before any storage is sized by the shape.
    expect(() => parseCsvImages(`${text}1,2\n`, { shape: [512, 512, 16], source: 'blank.csv' })).toThrow(
      /blank.csv line 3001: expected 4194305 columns/,
    );
  });

  it('a header line only is no examples', () => {
    expect(() => parseCsvImages('a,b,c,d,label\n', opts)).toThrow(/d.csv: no examples/);
  });
});
