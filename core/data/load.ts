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

/** The files of one part of a dataset (the examples to split, or the test set) and how to read them. */
export type Source =
  | {
      format: 'csv';
      uri: string;
      /** Named in messages (builtin:digits rather than its path). */
      name: string;
      shape: [number, number, number] | undefined;
      labelColumn?: number;
      numClasses?: number;
    }
  | { format: 'idx'; images: string; labels: string; numClasses?: number }
  | { format: 'cifar10'; uris: string[]; numClasses?: number };

function fileSource(uri: string, format: FileFormat, spec: DatasetSpec): Source {
  const { numClasses } = spec;
  if (format === 'idx') return { format, images: uri, labels: idxLabelsUri(uri), numClasses };
  if (format === 'cifar10') return { format, uris: cifar10Files(uri), numClasses };
  return { format, uri, name: uri, shape: spec.shape, labelColumn: spec.labelColumn, numClasses };
}

/** Where a dataset's examples are, and its own test set when it has one. Builtins are located here. */
export function datasetSources(spec: DatasetSpec): { data: Source; test?: Source } {
  if (spec.uri === 'builtin:digits')
    return {
      data: { format: 'csv', uri: DIGITS_PATH, name: spec.uri, shape: [8, 8, 1], numClasses: 10 },
    };
  if (spec.uri === 'builtin:fashion-mnist') {
    const { train, test } = findFashionMnist();
    return {
      data: { format: 'idx', ...train, numClasses: 10 },
      test: { format: 'idx', ...test, numClasses: 10 },
    };
  }
  if (spec.format === 'builtin') throw new DatasetError(`unknown builtin dataset ${spec.uri}`);
  const testUri =
    spec.test?.uri ??
    (spec.format === 'cifar10' && spec.uri.endsWith('/') ? spec.uri + CIFAR10_TEST_FILE : undefined);
  const data = fileSource(spec.uri, spec.format, spec);
  return testUri ? { data, test: fileSource(testUri, spec.test?.format ?? spec.format, spec) } : { data };
}

/** Every file a source reads. */
export function sourceFiles(s: Source): string[] {
  return s.format === 'csv' ? [s.uri] : s.format === 'idx' ? [s.images, s.labels] : s.uris;
}

/** Checks an IDX image/label pair's dimensions against each other; returns n and the image shape. */
export function idxShape(
  imageDims: number[],
  labelDims: number[],
  s: { images: string; labels: string },
): { n: number; shape: [number, number, number] } {
  if (imageDims.length !== 3 && imageDims.length !== 4)
    throw new DatasetError(`${s.images}: images must be [n, h, w] or [n, h, w, c], got [${imageDims}]`);
  if (labelDims.length !== 1) throw new DatasetError(`${s.labels}: labels must be [n], got [${labelDims}]`);
  const [n, h, w, c = 1] = imageDims as [number, number, number, number?];
  if (labelDims[0] !== n)
    throw new DatasetError(`${s.labels}: ${labelDims[0]} labels for ${n} images in ${s.images}`);
  return { n, shape: [h, w, c] };
}

/** Reads and parses one source: every value is checked (labels, NaN, sizes). */
export async function loadSource(s: Source, readBytes: ReadBytes | undefined): Promise<RawDataset> {
  if (s.format === 'idx') {
    const [imgBytes, labBytes] = await inOrder([
      readDecoded(s.images, readBytes),
      readDecoded(s.labels, readBytes),
    ]);
    const images = parseIdx(imgBytes, s.images);
    const labels = parseIdx(labBytes, s.labels);
    const { n, shape } = idxShape(images.dims, labels.dims, s);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = checkLabel(labels.data[i]!, s.numClasses, `${s.labels} example ${i}`);
    return finishRaw(images.data, y, shape, s.numClasses, s.images);
  }
  if (s.format === 'cifar10') {
    const bytes = await inOrder(s.uris.map((u) => readDecoded(u, readBytes)));
    return parseCifar10(
      bytes.map((b, i) => ({ bytes: b, source: s.uris[i]! })),
      s.numClasses,
    );
  }
  if (!s.shape) throw new DatasetError(`${s.name}: csv datasets need shape [h, w, c] in the spec`);
  const text = decodeText(await readDecoded(s.uri, readBytes), s.name);
  return parseCsvImages(text, {
    shape: s.shape,
    labelColumn: s.labelColumn,
    numClasses: s.numClasses,
    source: s.name,
  });
}

/** The examples to split, and the dataset's own test set when it has one. */
export async function loadSources(
  sources: { data: Source; test?: Source },
  readBytes: ReadBytes | undefined,
): Promise<{ data: RawDataset; test?: RawDataset }> {
  const [data, test] = await inOrder([
    loadSource(sources.data, readBytes),
    sources.test ? loadSource(sources.test, readBytes) : undefined,
  ]);
  return test ? { data, test } : { data };
}

/** What the spec says of the data that the files must agree with (shape, a builtin's class count). */
export function checkAgainstSpec(
  spec: DatasetSpec,
  found: { shape: [number, number, number]; numClasses?: number },
  test?: { shape: [number, number, number]; source: string },
): void {
  if (spec.shape && spec.shape.join() !== found.shape.join())
    throw new DatasetError(
      `${spec.uri}: images are [${found.shape}] but the spec says shape [${spec.shape}]`,
    );
  if (
    spec.numClasses !== undefined &&
    found.numClasses !== undefined &&
    spec.numClasses !== found.numClasses &&
    spec.format === 'builtin'
  )
    throw new DatasetError(
      `${spec.uri}: has ${found.numClasses} classes but the spec says ${spec.numClasses}`,
    );
  if (test && test.shape.join() !== found.shape.join())
    throw new DatasetError(
      `${test.source}: test images are [${test.shape}] but the training images are [${found.shape}]`,
    );
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

/** The test set's shape and first file, for checkAgainstSpec. */
export function testInfo(
  sources: { test?: Source },
  test: { shape: [number, number, number] } | undefined,
): { shape: [number, number, number]; source: string } | undefined {
  return test && sources.test ? { shape: test.shape, source: sourceFiles(sources.test)[0]! } : undefined;
}

/** Loads, checks and splits a dataset. Bad input throws DatasetError naming the file/line. */
export async function loadDataset(spec: DatasetSpec, opts: LoadOptions): Promise<LoadedDataset> {
  const sources = datasetSources(spec);
  const { data, test } = await loadSources(sources, opts.readBytes);
  checkAgainstSpec(spec, data, testInfo(sources, test));
  return splitDataset(data, spec, opts.seed, test);
}
