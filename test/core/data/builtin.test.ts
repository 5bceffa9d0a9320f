import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEBIAN_FASHION_MNIST_DIR,
  fashionMnistDirs,
  findFashionMnist,
} from '../../../core/data/builtin-files.js';
import { BUILTIN_DATASETS } from '../../../core/data/builtins.js';
import { loadDataset } from '../../../core/data/load.js';
import { DatasetSpec } from '../../../core/spec/schema.js';
import { idxPair, tempDir } from './files.js';

const saved = process.env.COSEARCH_DATA_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.COSEARCH_DATA_DIR;
  else process.env.COSEARCH_DATA_DIR = saved;
});

/** A miniature Fashion-MNIST (28×28, 10 classes) in DIR/fashion-mnist, train gzipped, test not. */
function miniFashion(nTrain: number, nTest: number): string {
  const { dir } = tempDir('cosearch-fmnist-');
  const sub = join(dir, 'fashion-mnist');
  mkdirSync(sub);
  const file = (name: string, body: Uint8Array) => writeFileSync(join(sub, name), body);
  const tr = idxPair(nTrain, 28, 28, 10);
  const te = idxPair(nTest, 28, 28, 10);
  file('train-images-idx3-ubyte.gz', gzipSync(tr.images));
  file('train-labels-idx1-ubyte.gz', gzipSync(tr.labels));
  file('t10k-images-idx3-ubyte', te.images);
  file('t10k-labels-idx1-ubyte', te.labels);
  return dir;
}

describe('builtin:fashion-mnist', () => {
  it('is found under $COSEARCH_DATA_DIR/fashion-mnist before the Debian location, gzipped or not', async () => {
    process.env.COSEARCH_DATA_DIR = miniFashion(100, 20);
    expect(fashionMnistDirs()).toEqual([
      join(process.env.COSEARCH_DATA_DIR, 'fashion-mnist'),
      DEBIAN_FASHION_MNIST_DIR,
    ]);
    const d = await loadDataset(DatasetSpec.parse({ uri: 'builtin:fashion-mnist' }), { seed: 0 });
    expect(d.shape).toEqual([28, 28, 1]);
    expect(d.numClasses).toBe(10);
    expect([d.train.n, d.val.n, d.test.n]).toEqual([90, 10, 20]); // its own test set; 0.9/0.1 of train
  });

  it('where absent, says how to get it: the Debian package or a download and COSEARCH_DATA_DIR', () => {
    const { dir } = tempDir('cosearch-nofmnist-');
    expect(() => findFashionMnist([dir])).toThrow(
      /builtin:fashion-mnist: its files are not in .*cosearch-nofmnist-.*apt-get install dataset-fashion-mnist.*t10k-labels-idx1-ubyte.gz.*COSEARCH_DATA_DIR/,
    );
  });

  it('a directory with only some of the four files is passed over', () => {
    const { dir, file } = tempDir('cosearch-halffmnist-');
    const tr = idxPair(3, 28, 28, 10);
    file('train-images-idx3-ubyte.gz', tr.images);
    file('train-labels-idx1-ubyte.gz', tr.labels);
    expect(() => findFashionMnist([dir])).toThrow(/not in/);
  });

  // The real files, where Debian's dataset-fashion-mnist package is installed (the CI installs it).
  it.skipIf(!existsSync(DEBIAN_FASHION_MNIST_DIR))(
    'loads the real 60,000 + 10,000 images as bytes',
    async () => {
      delete process.env.COSEARCH_DATA_DIR;
      const d = await loadDataset(DatasetSpec.parse({ uri: 'builtin:fashion-mnist' }), { seed: 0 });
      const info = BUILTIN_DATASETS['builtin:fashion-mnist']!;
      expect(d.train.n + d.val.n).toBe(info.trainExamples);
      expect(d.test.n).toBe(info.testExamples);
      expect([d.train.n, d.val.n]).toEqual([54_000, 6_000]);
      expect(d.train.x).toBeInstanceOf(Uint8Array);
      // Train and validation share the decompressed file's buffer: no copy.
      expect(d.train.x.buffer).toBe(d.val.x.buffer);
      // …which is the file's size (header and one spare byte of the gunzip included), not 4× it as float32.
      expect(d.train.x.buffer.byteLength).toBeLessThanOrEqual(60_000 * 784 + 16 + 1);
      expect(new Set(d.test.y).size).toBe(10);
    },
  );
});
