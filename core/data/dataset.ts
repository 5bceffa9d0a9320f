// A dataset in memory, split: what the trainer consumes. Pixels stay in their stored type
// (uint8 for image files, 4× smaller than float32) and are normalized batch by batch
// (core/data/batch.ts), so a 60,000-image set costs its file size, not four times it.

/** Bad dataset input (missing/corrupt file, wrong shape, labels out of range): a clear message naming it. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/**
 * Labels that would make this many classes or more are refused unless `numClasses` says so: a
 * stray label such as 999999999 would otherwise size a 1e9-way classifier.
 */
export const MAX_INFERRED_CLASSES = 10_000;

/** Pixel values as stored: uint8 when every value of the source is a whole number 0–255. */
export type Pixels = Uint8Array | Float32Array;

export interface Normalization {
  /** Per channel, computed on the training split and applied to every split. */
  mean: number[];
  std: number[];
}

export interface Split {
  /** n × h × w × c stored pixels, row-major (channels last). */
  x: Pixels;
  /** n class indices in [0, numClasses). */
  y: Int32Array;
  n: number;
  /** Turns stored pixels into model inputs: (pixel - mean[c]) / std[c]. The same object in every split. */
  normalization: Normalization;
}

/** Raw examples before splitting: pixel values as read, labels checked. */
export interface RawDataset {
  x: Pixels;
  y: Int32Array;
  n: number;
  shape: [number, number, number];
  numClasses: number;
}

export interface LoadedDataset {
  uri: string;
  shape: [number, number, number];
  numClasses: number;
  train: Split;
  val: Split;
  test: Split;
  normalization: Normalization;
}

/**
 * Checks one label where it is read: a whole number ≥ 0, below `numClasses` when given, else below
 * MAX_INFERRED_CLASSES. `where` names the file and the example.
 */
export function checkLabel(v: number, numClasses: number | undefined, where: string): number {
  if (!Number.isInteger(v) || v < 0)
    throw new DatasetError(`${where}: label must be a whole number ≥ 0, got ${v}`);
  if (numClasses !== undefined) {
    if (v >= numClasses)
      throw new DatasetError(`${where}: label ${v} out of range for numClasses ${numClasses}`);
  } else if (v + 1 >= MAX_INFERRED_CLASSES)
    throw new DatasetError(
      `${where}: label ${v} would make ${v + 1} classes; ${MAX_INFERRED_CLASSES.toLocaleString('en-US')} or more classes need numClasses in the dataset spec`,
    );
  return v;
}

/** Checks counts and labels, infers numClasses when not given. */
export function finishRaw(
  x: Pixels,
  y: Int32Array,
  shape: [number, number, number],
  numClasses: number | undefined,
  source: string,
): RawDataset {
  const n = y.length;
  if (n === 0) throw new DatasetError(`${source}: no examples`);
  if (x.length !== n * shape[0] * shape[1] * shape[2])
    throw new DatasetError(`${source}: ${x.length} pixel values do not make ${n} images of [${shape}]`);
  let maxLabel = 0;
  for (let i = 0; i < n; i++) if (y[i]! > maxLabel) maxLabel = y[i]!;
  checkLabel(maxLabel, numClasses, source);
  const k = numClasses ?? maxLabel + 1;
  if (k < 2) throw new DatasetError(`${source}: needs at least 2 classes, found labels 0..${maxLabel}`);
  return { x, y, n, shape, numClasses: k };
}
