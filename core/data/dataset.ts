// A dataset in memory, split and normalized: what the trainer consumes. Images are NHWC float32.

/** Bad dataset input (missing/corrupt file, wrong shape, labels out of range): a clear message naming it. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface Split {
  /** n × h × w × c, row-major (channels last). */
  x: Float32Array;
  /** n class indices in [0, numClasses). */
  y: Int32Array;
  n: number;
}

/** Raw examples before splitting: pixel values as read, labels checked. */
export interface RawDataset {
  x: Float32Array;
  y: Int32Array;
  n: number;
  shape: [number, number, number];
  numClasses: number;
}

export interface Normalization {
  /** Per channel, computed on the training split and applied to every split. */
  mean: number[];
  std: number[];
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
