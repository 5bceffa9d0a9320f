// CSV images: one example per line, a label column plus h*w*c pixel columns (row-major, channels
// last). A first line that is not numeric is taken as a header.
import { DatasetError, type RawDataset } from './dataset.js';

export interface CsvOptions {
  shape: readonly [number, number, number];
  /** Index of the label column; default: the last. */
  labelColumn?: number;
  numClasses?: number;
  /** Named in error messages. */
  source: string;
}

export function parseCsvImages(text: string, opts: CsvOptions): RawDataset {
  const [h, w, c] = opts.shape;
  const pixels = h * w * c;
  const cols = pixels + 1;
  const labelCol = opts.labelColumn ?? cols - 1;
  if (labelCol >= cols)
    throw new DatasetError(`${opts.source}: labelColumn ${labelCol} is past the last of ${cols} columns`);
  const lines = text.split(/\r?\n/);
  // Preallocated for the upper bound of rows: MNIST-sized CSVs would not fit as number[].
  const x = new Float32Array(lines.length * pixels);
  const y = new Int32Array(lines.length);
  let n = 0;
  let p = 0;
  let first = true;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.trim();
    if (line === '') continue;
    const fields = line.split(',');
    if (first) {
      first = false;
      if (fields.some((f) => f.trim() === '' || !Number.isFinite(Number(f)))) continue; // header
    }
    if (fields.length !== cols)
      throw new DatasetError(
        `${opts.source} line ${li + 1}: expected ${cols} columns (label + ${h}×${w}×${c} pixels), got ${fields.length}`,
      );
    for (let j = 0; j < cols; j++) {
      const v = Number(fields[j]);
      if (fields[j]!.trim() === '' || !Number.isFinite(v))
        throw new DatasetError(`${opts.source} line ${li + 1} column ${j + 1}: not a number: "${fields[j]}"`);
      if (j === labelCol) {
        if (!Number.isInteger(v) || v < 0)
          throw new DatasetError(`${opts.source} line ${li + 1}: label must be a whole number ≥ 0, got ${v}`);
        if (opts.numClasses !== undefined && v >= opts.numClasses)
          throw new DatasetError(
            `${opts.source} line ${li + 1}: label ${v} out of range for numClasses ${opts.numClasses}`,
          );
        y[n] = v;
      } else x[p++] = v;
    }
    n++;
  }
  return finishRaw(x.slice(0, n * pixels), y.slice(0, n), [h, w, c], opts.numClasses, opts.source);
}

/** Checks counts and labels, infers numClasses when not given. */
export function finishRaw(
  x: Float32Array,
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
  const k = numClasses ?? maxLabel + 1;
  if (maxLabel >= k) throw new DatasetError(`${source}: label ${maxLabel} out of range for numClasses ${k}`);
  if (k < 2) throw new DatasetError(`${source}: needs at least 2 classes, found labels 0..${maxLabel}`);
  return { x, y, n, shape, numClasses: k };
}
