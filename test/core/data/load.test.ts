import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sliceRows } from '../../../core/data/batch.js';
import { DatasetError, type RawDataset, type Split } from '../../../core/data/dataset.js';
import { parseIdx } from '../../../core/data/idx.js';
import { loadDataset, permuteRows, splitDataset } from '../../../core/data/load.js';
import { Rng } from '../../../core/rng.js';
import { DatasetSpec } from '../../../core/spec/schema.js';
import { csv, idx, idxPair, tempDir } from './files.js';

const { dir, file } = tempDir();

/** A split's model inputs (normalized), all of them. */
function inputs(s: Split, per: number): Float32Array {
  const out = new Float32Array(s.n * per);
  sliceRows(s, per, 0, s.n, out);
  return out;
}

describe('builtin:digits', () => {
  it('loads 1,797 8×8 images split 70/15/15 as bytes, normalized by the train split', async () => {
    const d = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
    expect(d.shape).toEqual([8, 8, 1]);
    expect(d.numClasses).toBe(10);
    expect(d.train.n + d.val.n + d.test.n).toBe(1797);
    expect(d.test.n).toBe(Math.round(1797 * 0.15));
    expect(d.train.x).toBeInstanceOf(Uint8Array); // 0–16 pixels stay bytes
    expect(d.train.x.length).toBe(d.train.n * 64);
    const x = inputs(d.train, 64);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    expect(sd).toBeCloseTo(1, 3);
    expect(new Set(d.test.y).size).toBe(10);
    expect(d.val.normalization).toBe(d.normalization);
  });

  it('splits by seed: same seed same split, another seed another', async () => {
    const spec = DatasetSpec.parse({});
    const a = await loadDataset(spec, { seed: 1 });
    const b = await loadDataset(spec, { seed: 1 });
    const c = await loadDataset(spec, { seed: 2 });
    expect(Array.from(a.test.y)).toEqual(Array.from(b.test.y));
    expect(a.train.x).toEqual(b.train.x);
    expect(Array.from(a.test.y)).not.toEqual(Array.from(c.test.y));
  });

  it('caps training samples without touching validation and test', async () => {
    const full = await loadDataset(DatasetSpec.parse({}), { seed: 1 });
    const capped = await loadDataset(DatasetSpec.parse({ maxTrainSamples: 100 }), { seed: 1 });
    expect(capped.train.n).toBe(100);
    expect(Array.from(capped.test.y)).toEqual(Array.from(full.test.y));
    expect(capped.val.x).toEqual(full.val.x);
    // Most of the buffer is unused: the splits are copied out so it can be freed.
    expect(capped.train.x.buffer).not.toBe(capped.val.x.buffer);
    expect(full.train.x.buffer).toBe(full.val.x.buffer);
  });
});

describe('splitDataset', () => {
  /** 23 examples of 3 values each: example i is [i, i+100, i+200 mod 256], label i mod 4. */
  const raw = (): RawDataset => {
    const n = 23;
    const x = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) x.set([i, i + 100, (i + 200) % 256], 3 * i);
    return { x, y: Int32Array.from({ length: n }, (_, i) => i % 4), n, shape: [1, 3, 1], numClasses: 4 };
  };

  it('permuteRows puts old row perm[i] at row i, for any permutation', () => {
    for (let seed = 0; seed < 20; seed++) {
      const r = raw();
      const perm = Rng.fromSeed(seed).shuffle(Array.from({ length: r.n }, (_, i) => i));
      permuteRows(r.x, r.y, perm, 3);
      perm.forEach((j, i) => {
        expect(Array.from(r.x.subarray(3 * i, 3 * i + 3))).toEqual([j, j + 100, (j + 200) % 256]);
        expect(r.y[i]).toBe(j % 4);
      });
    }
  });

  it('takes train, validation and test in the seeded permutation order', () => {
    const spec = DatasetSpec.parse({ uri: 'file:///x.csv', format: 'csv', shape: [1, 3, 1] });
    const d = splitDataset(raw(), spec, 5);
    const perm = Rng.fromSeed('dataset-split:5').shuffle(Array.from({ length: 23 }, (_, i) => i));
    const firstValues = (x: Uint8Array | Float32Array) => Array.from(x).filter((_, k) => k % 3 === 0);
    expect(firstValues(d.train.x)).toEqual(perm.slice(0, d.train.n));
    expect(firstValues(d.val.x)).toEqual(perm.slice(d.train.n, d.train.n + d.val.n));
    expect(firstValues(d.test.x)).toEqual(perm.slice(d.train.n + d.val.n));
    expect([d.train.n, d.val.n, d.test.n]).toEqual([23 - 3 - 3, 3, 3]);
  });

  it('with a test set of its own, splits the data into train and validation only', () => {
    const spec = DatasetSpec.parse({
      uri: 'file:///x.csv',
      format: 'csv',
      shape: [1, 3, 1],
      test: { uri: 'file:///t.csv' },
    });
    const t = raw();
    const d = splitDataset(raw(), spec, 5, t);
    expect([d.train.n, d.val.n]).toEqual([21, 2]); // 0.9 / 0.1 by default
    expect(d.test.x).toBe(t.x); // whole, in file order
    expect(d.test.normalization).toBe(d.normalization);
  });
});

describe('csv datasets', () => {
  const spec = (uri: string, extra: object = {}) =>
    DatasetSpec.parse({ uri, format: 'csv', shape: [2, 2, 1], ...extra });

  it('reads plain, gzipped and headed CSVs', async () => {
    const a = await loadDataset(spec(file('a.csv', csv(40, 3))), { seed: 0 });
    const b = await loadDataset(spec(file('a.csv.gz', gzipSync(csv(40, 3, true)))), { seed: 0 });
    expect(a.numClasses).toBe(3);
    expect(a.train.n + a.val.n + a.test.n).toBe(40);
    expect(a.train.x).toEqual(b.train.x);
  });

  it('honours labelColumn', async () => {
    const rows = ['2,1,1,1,1', '0,0,0,0,1', '1,1,0,1,0'].join('\n');
    const body = Array.from({ length: 10 }, () => rows).join('\n');
    const d = await loadDataset(spec(file('lc.csv', body), { labelColumn: 0 }), { seed: 0 });
    expect(d.numClasses).toBe(3);
  });

  it('reads s3:// through the injected reader only', async () => {
    const s3 = DatasetSpec.parse({ uri: 's3://bucket-x/d.csv', format: 'csv', shape: [2, 2, 1] });
    const seen: string[] = [];
    const d = await loadDataset(s3, {
      seed: 0,
      readBytes: async (u) => {
        seen.push(u);
        return new TextEncoder().encode(csv(30, 2));
      },
    });
    expect(seen).toEqual(['s3://bucket-x/d.csv']);
    expect(d.numClasses).toBe(2);
    await expect(loadDataset(s3, { seed: 0 })).rejects.toThrow(/s3:\/\/bucket-x\/d.csv.*no reader/);
  });

  it('names the file and line of a wrong row width', async () => {
    const uri = file('bad-width.csv', `${csv(5, 2)}1,2,3,4\n`);
    await expect(loadDataset(spec(uri), { seed: 0 })).rejects.toThrow(
      /bad-width.csv line 6: expected 5 columns/,
    );
  });

  it('rejects labels out of range and non-numbers', async () => {
    await expect(
      loadDataset(spec(file('lab.csv', csv(30, 4)), { numClasses: 3 }), { seed: 0 }),
    ).rejects.toThrow(/line 4: label 3 out of range for numClasses 3/);
    await expect(loadDataset(spec(file('neg.csv', '1,1,1,1,-1\n')), { seed: 0 })).rejects.toThrow(
      DatasetError,
    );
    await expect(loadDataset(spec(file('nan.csv', `${csv(3, 2)}1,x,1,1,0\n`)), { seed: 0 })).rejects.toThrow(
      /line 4 column 2: not a number/,
    );
  });

  it('reports a missing file, corrupt gzip, binary junk and too few rows', async () => {
    await expect(loadDataset(spec(`file://${join(dir, 'nope.csv')}`), { seed: 0 })).rejects.toThrow(
      /cannot read dataset .*nope.csv/,
    );
    const junk = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5]);
    await expect(loadDataset(spec(file('junk.csv.gz', junk)), { seed: 0 })).rejects.toThrow(/corrupt gzip/);
    await expect(
      loadDataset(spec(file('bin.csv', new Uint8Array([0xff, 0xfe, 0x00]))), { seed: 0 }),
    ).rejects.toThrow(/not UTF-8/);
    await expect(loadDataset(spec(file('few.csv', csv(3, 2))), { seed: 0 })).rejects.toThrow(/too few/);
  });
});

describe('idx datasets', () => {
  const n = 30;
  const { images, labels } = idxPair(n, 2, 3, 4);

  it('reads gzipped images with their labels file beside them, as bytes', async () => {
    const uri = file('train-images-idx3-ubyte.gz', gzipSync(images));
    file('train-labels-idx1-ubyte.gz', gzipSync(labels));
    const d = await loadDataset(DatasetSpec.parse({ uri, format: 'idx' }), { seed: 0 });
    expect(d.shape).toEqual([2, 3, 1]);
    expect(d.numClasses).toBe(4);
    expect(d.train.n + d.val.n + d.test.n).toBe(n);
    expect(d.train.x).toBeInstanceOf(Uint8Array);
  });

  it('rejects a shape mismatch, a count mismatch, a truncated file and a bad magic', async () => {
    const uri = file('a-images-idx3-ubyte', images);
    file('a-labels-idx1-ubyte', labels);
    await expect(
      loadDataset(DatasetSpec.parse({ uri, format: 'idx', shape: [3, 2, 1] }), { seed: 0 }),
    ).rejects.toThrow(/images are \[2,3,1\] but the spec says shape \[3,2,1\]/);
    const uri2 = file('b-images-idx3-ubyte', images);
    file(
      'b-labels-idx1-ubyte',
      idx(
        0x08,
        [n - 1],
        Array.from({ length: n - 1 }, () => 0),
      ),
    );
    await expect(loadDataset(DatasetSpec.parse({ uri: uri2, format: 'idx' }), { seed: 0 })).rejects.toThrow(
      /29 labels for 30 images/,
    );
    expect(() => parseIdx(images.subarray(0, images.length - 1), 'x')).toThrow(/header says \[30,2,3\]/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]), 'y')).toThrow(/bad magic/);
    await expect(
      loadDataset(DatasetSpec.parse({ uri: file('weird.bin', images), format: 'idx' }), { seed: 0 }),
    ).rejects.toThrow(/names the images file/);
  });
});

describe('a test set of its own (dataset.test)', () => {
  it('idx: the test files are the test split, whole; validation comes from the training files', async () => {
    const tr = idxPair(50, 2, 2, 3);
    const te = idxPair(12, 2, 2, 3);
    const uri = file('own-train-images-idx3-ubyte.gz', gzipSync(tr.images));
    file('own-train-labels-idx1-ubyte.gz', gzipSync(tr.labels));
    const test = file('own-t10k-images-idx3-ubyte', te.images);
    file('own-t10k-labels-idx1-ubyte', te.labels);
    const spec = DatasetSpec.parse({
      uri,
      format: 'idx',
      test: { uri: test },
      splits: { train: 0.8, validation: 0.2 },
    });
    const d = await loadDataset(spec, { seed: 3 });
    expect([d.train.n, d.val.n, d.test.n]).toEqual([40, 10, 12]);
    expect(Array.from(d.test.y)).toEqual(Array.from({ length: 12 }, (_, i) => i % 3));
    expect(Array.from(d.test.x)).toEqual(Array.from(te.images.subarray(16)));
    // The validation split is seeded: another seed draws other examples.
    const e = await loadDataset(spec, { seed: 4 });
    expect(Array.from(e.val.x)).not.toEqual(Array.from(d.val.x));
    expect(Array.from(e.test.x)).toEqual(Array.from(d.test.x));
  });

  it('csv, gzipped or not, with the training shape; the test file may be csv beside an idx', async () => {
    const train = file('own.csv', csv(40, 3));
    const test = file('own-test.csv.gz', gzipSync(csv(9, 3, true)));
    const d = await loadDataset(
      DatasetSpec.parse({ uri: train, format: 'csv', shape: [2, 2, 1], test: { uri: test } }),
      { seed: 0 },
    );
    expect([d.train.n, d.val.n, d.test.n]).toEqual([36, 4, 9]);
  });

  it('names the test file when its labels or shape do not fit', async () => {
    const train = file('fit.csv', csv(40, 3));
    const wide = file('fit-test-wide.csv', '1,2,3,4,5,6,7,8,9,0\n');
    await expect(
      loadDataset(DatasetSpec.parse({ uri: train, format: 'csv', shape: [2, 2, 1], test: { uri: wide } }), {
        seed: 0,
      }),
    ).rejects.toThrow(/fit-test-wide.csv line 1: expected 5 columns/);
    const lab = file('fit-test-label.csv', '1,1,1,1,7\n');
    await expect(
      loadDataset(
        DatasetSpec.parse({ uri: train, format: 'csv', shape: [2, 2, 1], numClasses: 3, test: { uri: lab } }),
        { seed: 0 },
      ),
    ).rejects.toThrow(/fit-test-label.csv line 1: label 7 out of range for numClasses 3/);
    const te = idxPair(5, 3, 3, 3);
    const other = file('shape-images-idx3-ubyte', te.images);
    file('shape-labels-idx1-ubyte', te.labels);
    await expect(
      loadDataset(
        DatasetSpec.parse({
          uri: train,
          format: 'csv',
          shape: [2, 2, 1],
          test: { uri: other, format: 'idx' },
        }),
        { seed: 0 },
      ),
    ).rejects.toThrow(
      /shape-images-idx3-ubyte: test images are \[3,3,1\] but the training images are \[2,2,1\]/,
    );
  });

  it('the spec refuses a test fraction beside a test set, and a test set for a builtin', () => {
    const both = DatasetSpec.safeParse({
      uri: 'file:///a.csv',
      format: 'csv',
      shape: [2, 2, 1],
      test: { uri: 'file:///b.csv' },
      splits: { train: 0.7, validation: 0.15, test: 0.15 },
    });
    expect(both.error?.issues.map((i) => i.path.join('.'))).toEqual(['splits.test']);
    const builtin = DatasetSpec.safeParse({ test: { uri: 'file:///b.csv' } });
    expect(builtin.error?.issues.map((i) => i.message)).toEqual(['builtin datasets bring their own splits']);
    const noTest = DatasetSpec.safeParse({ splits: { train: 0.9, validation: 0.1 } });
    expect(noTest.error?.issues.map((i) => i.path.join('.'))).toEqual(['splits.test']);
  });
});
