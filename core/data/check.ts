// Checks a dataset before a search exists: small datasets are read and parsed whole (the same code
// as loading, so every check of the loader applies), large local ones by their headers and sizes.
// Every problem is a DatasetError naming the file.
import { stat } from 'node:fs/promises';
import type { DatasetSpec } from '../spec/schema.js';
import { isS3Uri } from '../store/s3-uri.js';
import { CIFAR10_SHAPE, checkCifar10Size } from './cifar.js';
import { parseCsvImages } from './csv.js';
import { checkLabel, DatasetError } from './dataset.js';
import { checkIdxSize, parseIdx, parseIdxHeader } from './idx.js';
import {
  checkAgainstSpec,
  datasetSources,
  idxShape,
  loadSources,
  type Source,
  sourceFiles,
  splitSizes,
  testInfo,
} from './load.js';
import { decodeText, filePath, probeFile, probeHasSize, type ReadBytes, readDecoded } from './source.js';

/** Datasets whose files add up to at most this many stored bytes are read whole by checkDataset. */
export const FULL_CHECK_BYTES = 64 * 1024 ** 2;
/** Bytes of a large CSV read to check its first rows. */
const CSV_HEAD_BYTES = 1024 ** 2;

export interface CheckOptions {
  /** Reads s3:// URIs (those are always read whole: the reader has no ranges). */
  readBytes?: ReadBytes;
  /** Read the dataset whole up to this many stored bytes; default FULL_CHECK_BYTES. */
  fullCheckBytes?: number;
}

export interface DatasetCheck {
  uri: string;
  shape: [number, number, number];
  /** Known when every label was read (or the format fixes it). */
  numClasses?: number;
  /** Examples in the data that is split, and in the dataset's own test set; undefined when not counted (a large CSV). */
  examples: { data?: number; test?: number };
  /** 'full': every value was read and checked; 'header': headers, sizes and the first CSV rows. */
  depth: 'full' | 'header';
  files: string[];
}

const isLocal = (uri: string): boolean => !isS3Uri(uri);
const localPath = (uri: string): string => (uri.startsWith('file://') ? filePath(uri) : uri);

async function storedBytes(uri: string): Promise<number> {
  try {
    return (await stat(localPath(uri))).size;
  } catch (e) {
    throw new DatasetError(`cannot read dataset ${uri}: ${(e as Error).message}`);
  }
}

interface Found {
  shape: [number, number, number];
  n?: number;
  numClasses?: number;
}

/** One source by its headers and sizes (local files only). */
async function headerCheck(s: Source): Promise<Found> {
  if (s.format === 'idx') {
    const [img, lab] = await Promise.all([probeFile(s.images, 16 + 16), probeFile(s.labels, 16 + 16)]);
    const ih = parseIdxHeader(img.head, s.images);
    if (!probeHasSize(img, ih.fileBytes)) checkIdxSize(ih, img.bytes, s.images);
    const lh = parseIdxHeader(lab.head, s.labels);
    if (!probeHasSize(lab, lh.fileBytes)) checkIdxSize(lh, lab.bytes, s.labels);
    const { n, shape } = idxShape(ih.dims, lh.dims, s);
    if (lab.storedBytes > FULL_CHECK_BYTES) return { shape, n };
    // Labels are small beside the images: read them all for the class count.
    const labels = parseIdx(await readDecoded(s.labels, undefined), s.labels);
    let max = 0;
    for (let i = 0; i < n; i++)
      max = Math.max(max, checkLabel(labels.data[i]!, s.numClasses, `${s.labels} example ${i}`));
    return { shape, n, numClasses: s.numClasses ?? max + 1 };
  }
  if (s.format === 'cifar10') {
    let n = 0;
    for (const uri of s.uris) {
      const p = await probeFile(uri, 0);
      // A gzip trailer gives the size modulo 2^32: exact unless the file could inflate past 4 GiB.
      if (!p.gzip || p.storedBytes * 1032 < 2 ** 32) n += checkCifar10Size(p.bytes, uri);
      else n = Number.NaN;
    }
    return { shape: CIFAR10_SHAPE, n: Number.isNaN(n) ? undefined : n, numClasses: 10 };
  }
  if (!s.shape) throw new DatasetError(`${s.name}: csv datasets need shape [h, w, c] in the spec`);
  // The first rows: whole lines of the first megabyte (a row wider than that is not checked here).
  const p = await probeFile(s.uri, CSV_HEAD_BYTES);
  const end = p.head.length < CSV_HEAD_BYTES ? p.head.length : p.head.lastIndexOf(0x0a) + 1;
  if (end > 0)
    parseCsvImages(decodeText(p.head.subarray(0, end), s.name), {
      shape: s.shape,
      labelColumn: s.labelColumn,
      numClasses: s.numClasses,
      source: s.name,
    });
  return { shape: s.shape };
}

/**
 * Checks `spec`'s dataset without starting anything: throws a DatasetError naming the file on a
 * missing or unreadable file, a header that does not match the file's size, NaN/Inf pixels, labels
 * ≥ numClasses or implying 10,000+ classes, a shape that differs from the spec's, a test set
 * whose images differ from the training ones, or too few examples for the splits. Datasets up to
 * `fullCheckBytes` (and every s3:// one) are read whole; larger local ones by header and size.
 */
export async function checkDataset(spec: DatasetSpec, opts: CheckOptions = {}): Promise<DatasetCheck> {
  const sources = datasetSources(spec);
  const parts = sources.test ? [sources.data, sources.test] : [sources.data];
  const files = parts.flatMap(sourceFiles);
  const limit = opts.fullCheckBytes ?? FULL_CHECK_BYTES;
  let full = !files.every(isLocal);
  if (!full) {
    const sizes = await Promise.all(files.map(storedBytes));
    full = sizes.reduce((a, b) => a + b, 0) <= limit;
  }
  const own = sources.test !== undefined;
  if (full) {
    const { data, test } = await loadSources(sources, opts.readBytes);
    checkAgainstSpec(spec, data, testInfo(sources, test));
    splitSizes(data.n, spec, own);
    return {
      uri: spec.uri,
      shape: data.shape,
      numClasses: Math.max(data.numClasses, test?.numClasses ?? 0),
      examples: { data: data.n, ...(test ? { test: test.n } : {}) },
      depth: 'full',
      files,
    };
  }
  const data = await headerCheck(sources.data);
  const test = sources.test ? await headerCheck(sources.test) : undefined;
  checkAgainstSpec(spec, data, testInfo(sources, test));
  if (data.n !== undefined) splitSizes(data.n, spec, own);
  // The class count is known when every part's labels were read.
  const known = data.numClasses !== undefined && (!test || test.numClasses !== undefined);
  return {
    uri: spec.uri,
    shape: data.shape,
    ...(known ? { numClasses: Math.max(data.numClasses ?? 0, test?.numClasses ?? 0) } : {}),
    examples: { data: data.n, ...(test ? { test: test.n } : {}) },
    depth: 'header',
    files,
  };
}
