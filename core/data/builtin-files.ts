// Where the built-in datasets' files are. digits ships with the project (data/); Fashion-MNIST is
// too large to ship and is looked for where it is installed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from './dataset.js';

/**
 * Where the built-in digits live, resolved from this module so any cwd works. Bundles (where this
 * module's location changes) set COSEARCH_DIGITS_PATH.
 */
export const DIGITS_PATH =
  process.env.COSEARCH_DIGITS_PATH ??
  (process.env.COSEARCH_DATA_DIR
    ? `${process.env.COSEARCH_DATA_DIR}/digits.csv.gz` // the Lambda bundles copy data/ here
    : fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url)));

/** Where Debian's `dataset-fashion-mnist` package installs the four IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The directories searched, in order: $COSEARCH_DATA_DIR/fashion-mnist, then the Debian package's. */
export function fashionMnistDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.COSEARCH_DATA_DIR) dirs.push(join(process.env.COSEARCH_DATA_DIR, 'fashion-mnist'));
  dirs.push(DEBIAN_FASHION_MNIST_DIR);
  return dirs;
}

export interface IdxPair {
  images: string;
  labels: string;
}

const STEMS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** The file as `stem.gz` or `stem` in `dir`, or undefined. */
function findFile(dir: string, stem: string): string | undefined {
  return [`${stem}.gz`, stem].map((f) => join(dir, f)).find((p) => existsSync(p));
}

/** The train and test IDX files of the first directory that has all four, or a DatasetError saying how to get them. */
export function findFashionMnist(dirs: string[] = fashionMnistDirs()): { train: IdxPair; test: IdxPair } {
  for (const dir of dirs) {
    const found = {
      train: { images: findFile(dir, STEMS.train.images), labels: findFile(dir, STEMS.train.labels) },
      test: { images: findFile(dir, STEMS.test.images), labels: findFile(dir, STEMS.test.labels) },
    };
    const { train, test } = found;
    if (train.images && train.labels && test.images && test.labels)
      return {
        train: { images: train.images, labels: train.labels },
        test: { images: test.images, labels: test.labels },
      };
  }
  const files = [...Object.values(STEMS.train), ...Object.values(STEMS.test)]
    .map((s) => `${s}.gz`)
    .join(', ');
  throw new DatasetError(
    `builtin:fashion-mnist: its files are not in ${dirs.join(' or ')}. Install them with ` +
      `"apt-get install dataset-fashion-mnist" (Debian/Ubuntu), or download ${files} from ` +
      'https://github.com/zalandoresearch/fashion-mnist (data/fashion) into a fashion-mnist/ folder ' +
      'and set COSEARCH_DATA_DIR to the folder that holds it.',
  );
}
