import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkDataset } from '../../../core/data/check.js';
import { DatasetError } from '../../../core/data/dataset.js';
import { DatasetSpec } from '../../../core/spec/schema.js';
import { cifarRecords, csv, idx, idxPair, tempDir } from './files.js';

const { file } = tempDir('cosearch-check-');
const HEADER = { fullCheckBytes: 0 }; // force the header-only check on these small files

/** Writes an IDX images/labels pair named `stem-images-idx3-ubyte[.gz]`; returns the images URI. */
function idxFiles(stem: string, images: Uint8Array, labels: Uint8Array, gz = false): string {
  const ext = gz ? '.gz' : '';
  file(`${stem}-labels-idx1-ubyte${ext}`, gz ? gzipSync(labels) : labels);
  return file(`${stem}-images-idx3-ubyte${ext}`, gz ? gzipSync(images) : images);
}
const idxSpec = (uri: string, extra: object = {}) => DatasetSpec.parse({ uri, format: 'idx', ...extra });
const csvSpec = (uri: string, extra: object = {}) =>
  DatasetSpec.parse({ uri, format: 'csv', shape: [2, 2, 1], ...extra });

describe('checkDataset: what it reports', () => {
  it('builtin:digits is read whole', async () => {
    const c = await checkDataset(DatasetSpec.parse({}));
    expect(c).toMatchObject({ uri: 'builtin:digits', shape: [8, 8, 1], numClasses: 10, depth: 'full' });
    expect(c.examples).toEqual({ data: 1797 });
  });

  it('idx by header: counts from the header, classes from the labels file', async () => {
    const { images, labels } = idxPair(40, 3, 3, 5);
    const te = idxPair(10, 3, 3, 5);
    const uri = idxFiles('ok', images, labels, true);
    const test = idxFiles('ok-test', te.images, te.labels);
    const c = await checkDataset(idxSpec(uri, { test: { uri: test } }), HEADER);
    expect(c).toMatchObject({
      shape: [3, 3, 1],
      numClasses: 5,
      depth: 'header',
      examples: { data: 40, test: 10 },
    });
    expect(c.files).toHaveLength(4);
  });

  it('cifar10 by header: whole records counted from the file sizes', async () => {
    const t = tempDir('cosearch-check-cifar-');
    for (let b = 1; b <= 5; b++)
      t.file(
        `data_batch_${b}.bin`,
        cifarRecords([0, 1, 2, 3], () => 7),
      );
    t.file('test_batch.bin', gzipSync(cifarRecords([4, 5], () => 1)));
    const c = await checkDataset(DatasetSpec.parse({ uri: `file://${t.dir}/`, format: 'cifar10' }), HEADER);
    expect(c).toMatchObject({ shape: [32, 32, 3], numClasses: 10, examples: { data: 20, test: 2 } });
  });

  it('s3:// is read whole through the injected reader', async () => {
    const c = await checkDataset(
      DatasetSpec.parse({ uri: 's3://bucket-x/d.csv', format: 'csv', shape: [2, 2, 1] }),
      {
        readBytes: async () => new TextEncoder().encode(csv(30, 3)),
      },
    );
    expect(c).toMatchObject({ depth: 'full', numClasses: 3, examples: { data: 30 } });
  });
});

describe('checkDataset: errors name the file', () => {
  const fails = (p: Promise<unknown>, re: RegExp) => expect(p).rejects.toThrow(re);

  it('NaN or Inf pixels: a CSV, and a float IDX (which would otherwise make every input NaN)', async () => {
    await fails(
      checkDataset(csvSpec(file('nan.csv', `${csv(20, 2)}1,nan,1,1,0\n`))),
      /nan.csv line 21 column 2: not a number/,
    );
    await fails(
      checkDataset(csvSpec(file('inf.csv', `1,1,1,-Infinity,0\n${csv(20, 2)}`))),
      /inf.csv line 1 column 4/,
    );
    const labels = idx(0x08, [4], [0, 1, 0, 1]);
    const images = idx(0x0d, [4, 1, 2], [0.1, 0.2, 0.3, Number.NaN, 0.5, 0.6, 0.7, 0.8]);
    const uri = idxFiles('float-nan', images, labels);
    await expect(checkDataset(idxSpec(uri))).rejects.toThrow(DatasetError);
    await fails(
      checkDataset(idxSpec(uri)),
      /float-nan-images-idx3-ubyte: value 3 \(example 1, position \[0,1\]\) is NaN/,
    );
  });

  it('labels ≥ numClasses, read whole or by header (the labels file is read)', async () => {
    await fails(
      checkDataset(csvSpec(file('lab.csv', csv(30, 4)), { numClasses: 3 })),
      /lab.csv line 4: label 3 out of range for numClasses 3/,
    );
    const { images, labels } = idxPair(30, 2, 2, 4);
    const uri = idxFiles('lab', images, labels);
    for (const opts of [{}, HEADER])
      await fails(
        checkDataset(idxSpec(uri, { numClasses: 3 }), opts),
        /lab-labels-idx1-ubyte example 3: label 3 out of range for numClasses 3/,
      );
  });

  it('absurd class counts: a CSV label of 999,999,999, an IDX label of 20,000, unless numClasses says so', async () => {
    await fails(
      checkDataset(csvSpec(file('huge.csv', `${csv(30, 2)}1,1,1,1,999999999\n`))),
      /huge.csv line 31: label 999999999 would make 1000000000 classes; 10,000 or more classes need numClasses/,
    );
    const { images } = idxPair(3, 2, 2, 2);
    const labels = idx(0x0c, [3], [0, 20_000, 1]);
    const uri = idxFiles('many', images, labels);
    for (const opts of [{}, HEADER])
      await fails(
        checkDataset(idxSpec(uri), opts),
        /many-labels-idx1-ubyte example 1: label 20000 would make 20001 classes/,
      );
    const big = idxPair(30, 2, 2, 2);
    const bigLabels = idx(
      0x0c,
      [30],
      Array.from({ length: 30 }, (_, i) => (i === 5 ? 20_000 : i % 2)),
    );
    const ok = idxFiles('many-ok', big.images, bigLabels);
    expect((await checkDataset(idxSpec(ok, { numClasses: 20_001 }))).numClasses).toBe(20_001);
  });

  it('header sizes that do not match the file: IDX plain and gzipped, whole or by header; CIFAR-10', async () => {
    const { images, labels } = idxPair(30, 2, 2, 2);
    const cut = images.subarray(0, images.length - 3);
    for (const gz of [false, true]) {
      const uri = idxFiles(gz ? 'cutgz' : 'cut', cut, labels, gz);
      for (const opts of [{}, HEADER])
        await fails(
          checkDataset(idxSpec(uri), opts),
          /cut(gz)?-images-idx3-ubyte(\.gz)?: IDX header says \[30,2,2\] \(136 bytes\) but the file has 133 bytes/,
        );
    }
    const short = idxFiles('short', images, idx(0x08, [29], Array(29).fill(0)));
    await fails(checkDataset(idxSpec(short), HEADER), /short-labels-idx1-ubyte: 29 labels for 30 images/);
    const c = file('cut_batch.bin', cifarRecords([1, 2], () => 0).subarray(0, 5000));
    for (const opts of [{}, HEADER])
      await fails(
        checkDataset(DatasetSpec.parse({ uri: c, format: 'cifar10', test: { uri: c } }), opts),
        /cut_batch.bin: 5000 bytes is not a whole number of CIFAR-10 records/,
      );
  });

  it('a CSV of 3,000 blank lines with shape 512×512×16: no examples (no RangeError)', async () => {
    const uri = file('blank.csv', '\n'.repeat(3000));
    await fails(
      checkDataset(DatasetSpec.parse({ uri, format: 'csv', shape: [512, 512, 16] })),
      /blank.csv: no examples/,
    );
  });

  it('by header, a large CSV has its first rows checked', async () => {
    await fails(
      checkDataset(csvSpec(file('wide.csv', `1,2,3\n${csv(30, 2)}`)), HEADER),
      /wide.csv line 1: expected 5 columns/,
    );
    expect((await checkDataset(csvSpec(file('fine.csv', csv(30, 2))), HEADER)).examples).toEqual({
      data: undefined,
    });
    // Rows past the first 64 kB but within the first megabyte, plain and gzipped.
    const long = `${csv(12_000, 2)}1,2,3\n${csv(30, 2)}`;
    expect(long.length).toBeGreaterThan(100_000);
    await fails(
      checkDataset(csvSpec(file('long.csv', long)), HEADER),
      /long.csv line 12001: expected 5 columns/,
    );
    await fails(
      checkDataset(csvSpec(file('long.csv.gz', gzipSync(long))), HEADER),
      /long.csv.gz line 12001: expected 5 columns/,
    );
  });

  it('a missing file, a shape the spec contradicts, a test set of other images, too few examples', async () => {
    await fails(
      checkDataset(csvSpec('file:///nonexistent/d.csv')),
      /cannot read dataset file:\/\/\/nonexistent\/d.csv/,
    );
    await fails(
      checkDataset(csvSpec('file:///nonexistent/d.csv'), HEADER),
      /cannot read dataset file:\/\/\/nonexistent\/d.csv/,
    );
    const { images, labels } = idxPair(30, 2, 3, 2);
    const uri = idxFiles('shape', images, labels);
    for (const opts of [{}, HEADER])
      await fails(
        checkDataset(idxSpec(uri, { shape: [3, 2, 1] }), opts),
        /images are \[2,3,1\] but the spec says shape \[3,2,1\]/,
      );
    const other = idxPair(5, 3, 3, 2);
    const test = idxFiles('shape-test', other.images, other.labels);
    for (const opts of [{}, HEADER])
      await fails(
        checkDataset(idxSpec(uri, { test: { uri: test } }), opts),
        /shape-test-images-idx3-ubyte: test images are \[3,3,1\] but the training images are \[2,3,1\]/,
      );
    const few = idxPair(3, 2, 2, 2);
    for (const opts of [{}, HEADER])
      await fails(
        checkDataset(idxSpec(idxFiles('few', few.images, few.labels)), opts),
        /3 examples are too few/,
      );
  });

  it('builtin:fashion-mnist where it is not installed says how to get it', async () => {
    const saved = process.env.COSEARCH_DATA_DIR;
    process.env.COSEARCH_DATA_DIR = tempDir('cosearch-check-nofm-').dir;
    try {
      const spec = DatasetSpec.parse({ uri: 'builtin:fashion-mnist' });
      // Only meaningful where the Debian package is absent; with it, the check passes instead.
      const r = await checkDataset(spec).then(
        (c) => c,
        (e: Error) => e,
      );
      if (r instanceof Error) expect(r.message).toMatch(/apt-get install dataset-fashion-mnist/);
      else expect(r).toMatchObject({ shape: [28, 28, 1], examples: { data: 60_000, test: 10_000 } });
    } finally {
      if (saved === undefined) delete process.env.COSEARCH_DATA_DIR;
      else process.env.COSEARCH_DATA_DIR = saved;
    }
  });
});
