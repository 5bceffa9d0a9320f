// CIFAR-10, binary version (cifar-10-batches-bin): data_batch_1.bin … data_batch_5.bin and
// test_batch.bin, each a run of 3,073-byte records: 1 label byte (0–9), then a 32×32 image as
// 1,024 red, 1,024 green and 1,024 blue bytes (channels first, rows top to bottom).
import { checkLabel, DatasetError, finishRaw, type RawDataset } from './dataset.js';

export const CIFAR10_SHAPE: [number, number, number] = [32, 32, 3];
export const CIFAR10_CLASSES = 10;
const PLANE = 32 * 32;
const IMAGE = 3 * PLANE;
export const CIFAR10_RECORD = 1 + IMAGE;
/** The training files of the directory form, in order. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/** Throws unless `bytes` is a whole number (≥ 1) of records. */
export function checkCifar10Size(bytes: number, source: string): number {
  if (bytes === 0 || bytes % CIFAR10_RECORD !== 0)
    throw new DatasetError(
      `${source}: ${bytes} bytes is not a whole number of CIFAR-10 records (${CIFAR10_RECORD} bytes each: label + 32×32×3)`,
    );
  return bytes / CIFAR10_RECORD;
}

/**
 * Concatenates the records of several files into one uint8 NHWC dataset (channels last, as every
 * other reader gives).
 */
export function parseCifar10(
  files: { bytes: Uint8Array; source: string }[],
  numClasses?: number,
): RawDataset {
  if (numClasses !== undefined && numClasses !== CIFAR10_CLASSES)
    throw new DatasetError(
      `${files[0]?.source}: CIFAR-10 has ${CIFAR10_CLASSES} classes, the spec says ${numClasses}`,
    );
  const counts = files.map((f) => checkCifar10Size(f.bytes.length, f.source));
  const n = counts.reduce((a, b) => a + b, 0);
  const x = new Uint8Array(n * IMAGE);
  const y = new Int32Array(n);
  let i = 0;
  for (const [fi, { bytes, source }] of files.entries())
    for (let r = 0; r < counts[fi]!; r++, i++) {
      const rec = r * CIFAR10_RECORD;
      y[i] = checkLabel(bytes[rec]!, CIFAR10_CLASSES, `${source} record ${r}`);
      const src = rec + 1;
      const dst = i * IMAGE;
      for (let p = 0; p < PLANE; p++) {
        x[dst + 3 * p] = bytes[src + p]!;
        x[dst + 3 * p + 1] = bytes[src + PLANE + p]!;
        x[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p]!;
      }
    }
  return finishRaw(x, y, CIFAR10_SHAPE, CIFAR10_CLASSES, files.map((f) => f.source).join(', '));
}
