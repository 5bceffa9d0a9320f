// Dataset loading: bytes from builtin / file:// / s3:// (injected), parsed, split with a seeded
// permutation, capped and normalized with training-split statistics.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Rng } from '../rng.js';
import type { DatasetSpec } from '../spec/schema.js';
import { finishRaw, parseCsvImages } from './csv.js';
import {
  DatasetError,
  type LoadedDataset,
  type Normalization,
  type RawDataset,
  type Split,
} from './dataset.js';
import { parseIdx } from './idx.js';

export type ReadBytes = (uri: string) => Promise<Uint8Array>;

export interface LoadOptions {
  seed: number;
  /** Reads s3:// URIs (core has no AWS); file:// and builtin: are read directly. */
  readBytes?: ReadBytes;
}

/**
 * Where the built-in digits live, resolved from this module so any cwd works. Bundles (where this
 * module's location changes) set COSEARCH_DIGITS_PATH.
 */
export const DIGITS_PATH =
  process.env.COSEARCH_DIGITS_PATH ??
  (process.env.COSEARCH_DATA_DIR
    ? `${process.env.COSEARCH_DATA_DIR}/digits.csv.gz` // the Lambda bundles copy data/ here
    : fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url)));

/** file://PATH, relative paths (file://./runs) taken from the cwd. */
export function filePath(uri: string): string {
  const rest = uri.slice('file://'.length);
  return rest.startsWith('/') ? decodeURIComponent(rest) : resolve(rest);
}

async function readUri(uri: string, readBytes: ReadBytes | undefined): Promise<Uint8Array> {
  try {
    if (uri.startsWith('file://')) return new Uint8Array(await readFile(filePath(uri)));
    if (uri.startsWith('s3://')) {
      if (!readBytes) throw new Error('no reader for s3:// URIs was given');
      return await readBytes(uri);
    }
  } catch (e) {
    throw new DatasetError(`cannot read dataset ${uri}: ${(e as Error).message}`);
  }
  throw new DatasetError(`unsupported dataset URI ${uri}`);
}

function gunzipIfNeeded(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (e) {
    throw new DatasetError(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
}

function decodeText(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError(`${source}: not UTF-8 text; is this really a CSV file?`);
  }
}

async function loadDigits(): Promise<RawDataset> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(DIGITS_PATH));
  } catch (e) {
    throw new DatasetError(`builtin:digits: cannot read ${DIGITS_PATH}: ${(e as Error).message}`);
  }
  const text = decodeText(gunzipIfNeeded(bytes, 'builtin:digits'), 'builtin:digits');
  return parseCsvImages(text, { shape: [8, 8, 1], numClasses: 10, source: 'builtin:digits' });
}

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

async function loadIdx(spec: DatasetSpec, readBytes: ReadBytes | undefined): Promise<RawDataset> {
  const labelsUri = idxLabelsUri(spec.uri);
  const [imgBytes, labBytes] = await Promise.all([
    readUri(spec.uri, readBytes),
    readUri(labelsUri, readBytes),
  ]);
  const images = parseIdx(gunzipIfNeeded(imgBytes, spec.uri), spec.uri);
  const labels = parseIdx(gunzipIfNeeded(labBytes, labelsUri), labelsUri);
  if (images.dims.length !== 3 && images.dims.length !== 4)
    throw new DatasetError(`${spec.uri}: images must be [n, h, w] or [n, h, w, c], got [${images.dims}]`);
  if (labels.dims.length !== 1)
    throw new DatasetError(`${labelsUri}: labels must be [n], got [${labels.dims}]`);
  const [n, h, w, c = 1] = images.dims as [number, number, number, number?];
  if (labels.dims[0] !== n)
    throw new DatasetError(`${labelsUri}: ${labels.dims[0]} labels for ${n} images in ${spec.uri}`);
  const shape: [number, number, number] = [h, w, c];
  if (spec.shape && spec.shape.join() !== shape.join())
    throw new DatasetError(`${spec.uri}: images are [${shape}] but the spec says shape [${spec.shape}]`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i]!;
    if (!Number.isInteger(v) || v < 0)
      throw new DatasetError(`${labelsUri}: label ${i} is ${v}, not a class index`);
    if (spec.numClasses !== undefined && v >= spec.numClasses)
      throw new DatasetError(
        `${labelsUri}: label ${v} (example ${i}) out of range for numClasses ${spec.numClasses}`,
      );
    y[i] = v;
  }
  return finishRaw(images.data, y, shape, spec.numClasses, spec.uri);
}

async function loadRaw(spec: DatasetSpec, readBytes: ReadBytes | undefined): Promise<RawDataset> {
  if (spec.format === 'builtin') {
    if (spec.uri !== 'builtin:digits') throw new DatasetError(`unknown builtin dataset ${spec.uri}`);
    return loadDigits();
  }
  if (spec.format === 'idx') return loadIdx(spec, readBytes);
  if (!spec.shape) throw new DatasetError(`${spec.uri}: csv datasets need shape [h, w, c] in the spec`);
  const bytes = gunzipIfNeeded(await readUri(spec.uri, readBytes), spec.uri);
  return parseCsvImages(decodeText(bytes, spec.uri), {
    shape: spec.shape,
    labelColumn: spec.labelColumn,
    numClasses: spec.numClasses,
    source: spec.uri,
  });
}

function take(raw: RawDataset, idx: ArrayLike<number>): Split {
  const per = raw.shape[0] * raw.shape[1] * raw.shape[2];
  const x = new Float32Array(idx.length * per);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    x.set(raw.x.subarray(j * per, (j + 1) * per), i * per);
    y[i] = raw.y[j]!;
  }
  return { x, y, n: idx.length };
}

/** Per-channel mean and std of a split (std floored so constant channels stay finite). */
export function channelStats(s: Split, channels: number): Normalization {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < s.x.length; i++) {
    const v = s.x[i]!;
    sum[i % channels]! += v;
    sq[i % channels]! += v * v;
  }
  const count = s.x.length / channels;
  const mean = Array.from(sum, (v) => v / count);
  const std = Array.from(sq, (v, c) => Math.max(1e-6, Math.sqrt(Math.max(0, v / count - mean[c]! ** 2))));
  return { mean, std };
}

export function normalize(s: Split, norm: Normalization): void {
  const c = norm.mean.length;
  for (let i = 0; i < s.x.length; i++) s.x[i] = (s.x[i]! - norm.mean[i % c]!) / norm.std[i % c]!;
}

/** Seeded permutation split into train/validation/test, train capped, normalized by train stats. */
export function splitDataset(raw: RawDataset, spec: DatasetSpec, seed: number): LoadedDataset {
  const { splits } = spec;
  const perm = Rng.fromSeed(`dataset-split:${seed}`).shuffle(Array.from({ length: raw.n }, (_, i) => i));
  const nTest = Math.round(raw.n * splits.test);
  const nVal = Math.round(raw.n * splits.validation);
  const nTrain = raw.n - nTest - nVal;
  if (nTest < 1 || nVal < 1 || nTrain < 1)
    throw new DatasetError(
      `${spec.uri}: ${raw.n} examples are too few for train/validation/test splits of ${splits.train}/${splits.validation}/${splits.test}`,
    );
  const trainIdx = perm.slice(0, Math.min(nTrain, spec.maxTrainSamples ?? nTrain));
  const train = take(raw, trainIdx);
  const val = take(raw, perm.slice(nTrain, nTrain + nVal));
  const test = take(raw, perm.slice(nTrain + nVal));
  const normalization = channelStats(train, raw.shape[2]);
  for (const s of [train, val, test]) normalize(s, normalization);
  return {
    uri: spec.uri,
    shape: raw.shape,
    numClasses: raw.numClasses,
    train,
    val,
    test,
    normalization,
  };
}

/** Loads, checks, splits and normalizes a dataset. Bad input throws DatasetError naming the file/line. */
export async function loadDataset(spec: DatasetSpec, opts: LoadOptions): Promise<LoadedDataset> {
  const raw = await loadRaw(spec, opts.readBytes);
  if (spec.shape && spec.shape.join() !== raw.shape.join())
    throw new DatasetError(`${spec.uri}: images are [${raw.shape}] but the spec says shape [${spec.shape}]`);
  if (spec.numClasses !== undefined && spec.numClasses !== raw.numClasses && spec.format === 'builtin')
    throw new DatasetError(`${spec.uri}: has ${raw.numClasses} classes but the spec says ${spec.numClasses}`);
  return splitDataset(raw, spec, opts.seed);
}
