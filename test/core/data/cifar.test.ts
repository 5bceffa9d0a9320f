import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sliceRows } from '../../../core/data/batch.js';
import { CIFAR10_TRAIN_FILES, parseCifar10 } from '../../../core/data/cifar.js';
import { loadDataset } from '../../../core/data/load.js';
import { DatasetSpec } from '../../../core/spec/schema.js';
import { cifarRecords, tempDir } from './files.js';

const { file } = tempDir('cosearch-cifar-');
// Pixel values that say where they came from: record, channel, row and column.
const pixel = (r: number, ch: number, y: number, x: number) => (r * 31 + ch * 80 + y * 3 + x) % 256;

describe('CIFAR-10 binary reader', () => {
  it('reads records as label + channels-first image and stores them channels last', () => {
    const bytes = cifarRecords([3, 9, 0], pixel);
    const d = parseCifar10([{ bytes, source: 'b.bin' }]);
    expect(d.shape).toEqual([32, 32, 3]);
    expect(d.numClasses).toBe(10);
    expect(Array.from(d.y)).toEqual([3, 9, 0]);
    expect(d.x).toBeInstanceOf(Uint8Array);
    for (const [r, y, x, ch] of [
      [0, 0, 0, 0],
      [1, 5, 7, 2],
      [2, 31, 31, 1],
      [2, 17, 4, 0],
    ] as const)
      expect(d.x[r * 3072 + (y * 32 + x) * 3 + ch]).toBe(pixel(r, ch, y, x));
  });

  it('rejects a size that is not whole records, a label ≥ 10 and another class count', () => {
    const bytes = cifarRecords([1, 2], pixel);
    expect(() => parseCifar10([{ bytes: bytes.subarray(0, 5000), source: 'cut.bin' }])).toThrow(
      /cut.bin: 5000 bytes is not a whole number of CIFAR-10 records \(3073 bytes each/,
    );
    expect(() => parseCifar10([{ bytes: new Uint8Array(0), source: 'empty.bin' }])).toThrow(
      /empty.bin: 0 bytes/,
    );
    const bad = cifarRecords([1, 10], pixel);
    expect(() => parseCifar10([{ bytes: bad, source: 'lab.bin' }])).toThrow(
      /lab.bin record 1: label 10 out of range for numClasses 10/,
    );
    expect(() => parseCifar10([{ bytes, source: 'k.bin' }], 100)).toThrow(
      /CIFAR-10 has 10 classes, the spec says 100/,
    );
  });

  it('a directory URI reads data_batch_1..5 for training and test_batch as the test set', async () => {
    const { dir, file: at } = tempDir('cosearch-cifar-dir-');
    for (const [b, name] of CIFAR10_TRAIN_FILES.entries()) {
      const labels = Array.from({ length: 10 }, (_, k) => (k + b) % 10);
      at(
        name,
        cifarRecords(labels, (r, ch, y, x) => pixel(r + 10 * b, ch, y, x)),
      );
    }
    at('test_batch.bin', gzipSync(cifarRecords([9, 8, 7], pixel)));
    const d = await loadDataset(
      DatasetSpec.parse({
        uri: `file://${dir}/`,
        format: 'cifar10',
        splits: { train: 0.8, validation: 0.2 },
      }),
      {
        seed: 0,
      },
    );
    expect([d.train.n, d.val.n, d.test.n]).toEqual([40, 10, 3]);
    expect(Array.from(d.test.y)).toEqual([9, 8, 7]);
    expect(d.normalization.mean).toHaveLength(3);
    const xs = new Float32Array(3072);
    sliceRows(d.test, 3072, 0, 1, xs);
    expect(xs[1]).toBeCloseTo((pixel(0, 1, 0, 0) - d.normalization.mean[1]!) / d.normalization.std[1]!, 5);
  });

  it('a single batch file with a test file of its own, and a missing batch named', async () => {
    const train = file(
      'data_batch_1.bin',
      cifarRecords([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], pixel),
    );
    const test = file('test_batch.bin', cifarRecords([1, 2], pixel));
    const d = await loadDataset(DatasetSpec.parse({ uri: train, format: 'cifar10', test: { uri: test } }), {
      seed: 1,
    });
    expect([d.train.n, d.val.n, d.test.n]).toEqual([18, 2, 2]);
    const partial = tempDir('cosearch-cifar-partial-');
    partial.file('data_batch_1.bin', cifarRecords([1], pixel));
    await expect(
      loadDataset(DatasetSpec.parse({ uri: `file://${partial.dir}/`, format: 'cifar10' }), { seed: 0 }),
    ).rejects.toThrow(/cannot read dataset file:\/\/.*\/data_batch_2.bin/);
  });
});
