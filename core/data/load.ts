// Dataset loading: bytes from builtin / file:// / s3:// (injected), parsed, split with a seeded
// permutation (validation from the training data; test from the dataset's own test set when it
// has one), train capped, normalization statistics from the training split.
import { Rng } from '../rng.js';
import type { DatasetSpec } from '../spec/schema.js';
import { channelStats } from './batch.js';
import { DIGITS_PATH, findFashionMnist } from './builtin-files.js';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, parseCifar10 } from './cifar.js';
import { parseCsvImages } from './csv.js';
import {
  checkLabel,
  DatasetError,
  finishRaw,
  type LoadedDataset,
  type Pixels,
  type RawDataset,
} from './dataset.js';
import { parseIdx } from './idx.js';
import { decodeText, type ReadBytes, readDecoded } from './source.js';

export { channelStats } from './batch.js';
export { DIGITS_PATH } from './builtin-files.js';
export { filePath, type ReadBytes } from './source.js';

export interface LoadOptions {
  /** Seeds the train/validation(/test) permutation. */
  seed: number;
  /**
   * Reads s3:// URIs (core has no AWS); file:// and builtin: are read directly. The loader owns
   * the bytes it returns (it reorders them in place), so return a fresh array each call.
   */
  readBytes?: ReadBytes;
}

export type FileFormat = 'csv' | 'idx' | 'cifar10';

/** The labels file next to an images file: `…-images-idx3-ubyte[.gz]` -> `…-labels-idx1-ubyte[.gz]`. */
export function idxLabelsUri(imagesUri: string): string {
  const out = imagesUri
    .replace(/images-idx3-ubyte/, 'labels-idx1-ubyte')
    .replace(/images\.idx3/, 'labels.idx1');
  if (out === imagesUri)
    throw new DatasetError(
      `${imagesUri}: an idx dataset URI names the images file, e.g. train-images-idx3-ubyte.gz (its labels file is found beside it)`,
    );
  return out;
}

/** The files a CIFAR-10 URI stands for: a directory (ending in /) is its five training batches. */
export function cifar10Files(uri: string): string[] {
  return uri.endsWith('/') ? CIFAR10_TRAIN_FILES.map((f) => uri + f) : [uri];
}

/** Promise.all that rejects with the first failure in list order, so the file named does not depend on timing. */
async function inOrder<T extends readonly unknown[] | []>(
  ps: T,
): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled: PromiseSettledResult<unknown>[] = await Promise.allSettled(ps as readonly unknown[]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [P in keyof T]: Awaited<T[P]>;
  };
}

async function loadIdxPair(
  imagesUri: string,
  labelsUri: string,
  numClasses: number | undefined,
  readBytes: ReadBytes | undefined,
): Promise<RawDataset> {
  const [imgBytes, labBytes] = await inOrder([
    readDecoded(imagesUri, readBytes),
    readDecoded(labelsUri, readBytes),
  ]);
  const images = parseIdx(imgBytes, imagesUri);
  const labels = parseIdx(labBytes, labelsUri);
  if (images.dims.length !== 3 && images.dims.length !== 4)
    throw new DatasetError(`${imagesUri}: images must be [n, h, w] or [n, h, w, c], got [${images.dims}]`);
  if (labels.dims.length !== 1)
    throw new DatasetError(`${labelsUri}: labels must be [n], got [${labels.dims}]`);
  const [n, h, w, c = 1] = images.dims as [number, number, number, number?];
  if (labels.dims[0] !== n)
    throw new DatasetError(`${labelsUri}: ${labels.dims[0]} labels for ${n} images in ${imagesUri}`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = checkLabel(labels.data[i]!, numClasses, `${labelsUri} example ${i}`);
  return finishRaw(images.data, y, [h, w, c], numClasses, imagesUri);
}

async function loadCsv(
  uri: string,
  spec: DatasetSpec,
  readBytes: ReadBytes | undefined,
): Promise<RawDataset> {
  if (!spec.shape) throw new DatasetError(`${uri}: csv datasets need shape [h, w, c] in the spec`);
  const text = decodeText(await readDecoded(uri, readBytes), uri);
  return parseCsvImages(text, {
    shape: spec.shape,
    labelColumn: spec.labelColumn,
    numClasses: spec.numClasses,
    source: uri,
  });
}

/** One file-based dataset (csv, idx images + labels beside them, CIFAR-10 batches). */
export async function loadFile(
  uri: string,
  format: FileFormat,
  spec: DatasetSpec,
  readBytes: ReadBytes | undefined,
): Promise<RawDataset> {
  if (format === 'idx') return loadIdxPair(uri, idxLabelsUri(uri), spec.numClasses, readBytes);
  if (format === 'cifar10') {
    const uris = cifar10Files(uri);
    const bytes = await inOrder(uris.map((u) => readDecoded(u, readBytes)));
    return parseCifar10(
      bytes.map((b, i) => ({ bytes: b, source: uris[i]! })),
      spec.numClasses,
    );
  }
  return loadCsv(uri, spec, readBytes);
}

/** The examples to split, and the dataset's own test set when it has one. */
export async function loadSources(
  spec: DatasetSpec,
  readBytes: ReadBytes | undefined,
): Promise<{ data: RawDataset; test?: RawDataset }> {
  if (spec.uri === 'builtin:digits') {
    const text = decodeText(await readDecoded(DIGITS_PATH, undefined), 'builtin:digits');
    return { data: parseCsvImages(text, { shape: [8, 8, 1], numClasses: 10, source: 'builtin:digits' }) };
  }
  if (spec.uri === 'builtin:fashion-mnist') {
    const { train, test } = findFashionMnist();
    const [data, testData] = await inOrder([
      loadIdxPair(train.images, train.labels, 10, undefined),
      loadIdxPair(test.images, test.labels, 10, undefined),
    ]);
    return { data, test: testData };
  }
  if (spec.format === 'builtin') throw new DatasetError(`unknown builtin dataset ${spec.uri}`);
  const format = spec.format;
  const testUri =
    spec.test?.uri ??
    (format === 'cifar10' && spec.uri.endsWith('/') ? spec.uri + CIFAR10_TEST_FILE : undefined);
  const [data, test] = await inOrder([
    loadFile(spec.uri, format, spec, readBytes),
    testUri ? loadFile(testUri, spec.test?.format ?? format, spec, readBytes) : undefined,
  ]);
  return test ? { data, test } : { data };
}

/** Train / validation / test sizes for n examples (test 0 when the dataset has its own). */
export function splitSizes(
  n: number,
  spec: DatasetSpec,
  ownTest: boolean,
): { nTrain: number; nVal: number; nTest: number } {
  const { splits } = spec;
  const nTest = ownTest ? 0 : Math.round(n * (splits.test ?? 0));
  const nVal = Math.round(n * splits.validation);
  const nTrain = n - nTest - nVal;
  if ((!ownTest && nTest < 1) || nVal < 1 || nTrain < 1)
    throw new DatasetError(
      `${spec.uri}: ${n} examples are too few for ${ownTest ? 'train/validation' : 'train/validation/test'} splits of ${[splits.train, splits.validation, ...(ownTest ? [] : [splits.test])].join('/')}`,
    );
  return { nTrain, nVal, nTest };
}

/** Reorders rows in place so that new row i is old row perm[i] (one row of scratch, cycle by cycle). */
export function permuteRows(x: Pixels, y: Int32Array, perm: readonly number[], per: number): void {
  const done = new Uint8Array(perm.length);
  const tmp = x instanceof Uint8Array ? new Uint8Array(per) : new Float32Array(per);
  for (let start = 0; start < perm.length; start++) {
    if (done[start]) continue;
    tmp.set(x.subarray(start * per, (start + 1) * per));
    const tmpY = y[start]!;
    for (let i = start; ; ) {
      done[i] = 1;
      const j = perm[i]!;
      if (j === start) {
        x.set(tmp, i * per);
        y[i] = tmpY;
        break;
      }
      x.copyWithin(i * per, j * per, (j + 1) * per);
      y[i] = y[j]!;
      i = j;
    }
  }
}

/**
 * Seeded permutation of `raw` into train (capped) / validation / test (unless `ownTest` is given),
 * in place: the splits are views of one buffer, copied out only when a cap leaves most of it unused.
 */
export function splitDataset(
  raw: RawDataset,
  spec: DatasetSpec,
  seed: number,
  ownTest?: RawDataset,
): LoadedDataset {
  if (ownTest && ownTest.shape.join() !== raw.shape.join())
    throw new DatasetError(
      `${spec.test?.uri ?? spec.uri}: test images are [${ownTest.shape}] but the training images are [${raw.shape}]`,
    );
  const { nTrain, nVal } = splitSizes(raw.n, spec, ownTest !== undefined);
  const perm = Rng.fromSeed(`dataset-split:${seed}`).shuffle(Array.from({ length: raw.n }, (_, i) => i));
  const per = raw.shape[0] * raw.shape[1] * raw.shape[2];
  permuteRows(raw.x, raw.y, perm, per);
  const kept = Math.min(nTrain, spec.maxTrainSamples ?? nTrain);
  const used = kept + raw.n - nTrain;
  const compact = used < raw.n / 2;
  const rows = (a: number, b: number): { x: Pixels; y: Int32Array; n: number } => ({
    x: compact ? raw.x.slice(a * per, b * per) : raw.x.subarray(a * per, b * per),
    y: compact ? raw.y.slice(a, b) : raw.y.subarray(a, b),
    n: b - a,
  });
  const train = rows(0, kept);
  const normalization = channelStats(train.x, raw.shape[2]);
  const numClasses = Math.max(raw.numClasses, ownTest?.numClasses ?? 0);
  return {
    uri: spec.uri,
    shape: raw.shape,
    numClasses,
    train: { ...train, normalization },
    val: { ...rows(nTrain, nTrain + nVal), normalization },
    test: ownTest
      ? { x: ownTest.x, y: ownTest.y, n: ownTest.n, normalization }
      : { ...rows(nTrain + nVal, raw.n), normalization },
    normalization,
  };
}

/** Loads, checks and splits a dataset. Bad input throws DatasetError naming the file/line. */
export async function loadDataset(spec: DatasetSpec, opts: LoadOptions): Promise<LoadedDataset> {
  const { data, test } = await loadSources(spec, opts.readBytes);
  if (spec.shape && spec.shape.join() !== data.shape.join())
    throw new DatasetError(`${spec.uri}: images are [${data.shape}] but the spec says shape [${spec.shape}]`);
  if (spec.numClasses !== undefined && spec.numClasses !== data.numClasses && spec.format === 'builtin')
    throw new DatasetError(
      `${spec.uri}: has ${data.numClasses} classes but the spec says ${spec.numClasses}`,
    );
  return splitDataset(data, spec, opts.seed, test);
}
