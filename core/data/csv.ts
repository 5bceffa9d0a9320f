// CSV images: one example per line, a label column plus h*w*c pixel columns (row-major, channels
// last). A first line that is not numeric is taken as a header. Blank lines are skipped.
import { checkLabel, DatasetError, finishRaw, type Pixels, type RawDataset } from './dataset.js';

export interface CsvOptions {
  shape: readonly [number, number, number];
  /** Index of the label column; default: the last. */
  labelColumn?: number;
  numClasses?: number;
  /** Named in error messages. */
  source: string;
  /** Stop after this many lines (a header-only check of a large file); default all. */
  maxLines?: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;
// A header has a field of text; a NaN or Infinity among numbers is a bad pixel, not a heading.
const isHeading = (f: string): boolean =>
  f.trim() === '' || (!Number.isFinite(Number(f)) && !/^[+-]?(nan|inf(inity)?)$/i.test(f.trim()));
const isByte = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 255;

export function parseCsvImages(text: string, opts: CsvOptions): RawDataset {
  const [h, w, c] = opts.shape;
  const pixels = h * w * c;
  const cols = pixels + 1;
  const labelCol = opts.labelColumn ?? cols - 1;
  if (labelCol >= cols)
    throw new DatasetError(`${opts.source}: labelColumn ${labelCol} is past the last of ${cols} columns`);
  const lines = text.split(/\r?\n/, opts.maxLines);
  // Pixels start as uint8 and widen to float32 at the first value that is not a byte. Storage is
  // allocated only after a row has the right width, so its size is bounded by the text's.
  let x: Pixels | undefined;
  let y: Int32Array | undefined;
  let n = 0;
  let p = 0;
  let first = true;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.trim();
    if (line === '') continue;
    const fields = line.split(',');
    if (first) {
      first = false;
      if (fields.some(isHeading)) continue; // a header
    }
    if (fields.length !== cols)
      throw new DatasetError(
        `${opts.source} line ${li + 1}: expected ${cols} columns (label + ${h}×${w}×${c} pixels), got ${fields.length}`,
      );
    if (!x || !y) {
      const rows = lines.length - li; // an upper bound: the rows left, blank ones included
      x = new Uint8Array(rows * pixels);
      y = new Int32Array(rows);
    }
    let px: Pixels = x;
    for (let j = 0; j < cols; j++) {
      const v = Number(fields[j]);
      if (fields[j]!.trim() === '' || !Number.isFinite(v))
        throw new DatasetError(`${opts.source} line ${li + 1} column ${j + 1}: not a number: "${fields[j]}"`);
      if (j === labelCol) y[n] = checkLabel(v, opts.numClasses, `${opts.source} line ${li + 1}`);
      else {
        if (Math.abs(v) > FLOAT32_MAX)
          throw new DatasetError(
            `${opts.source} line ${li + 1} column ${j + 1}: ${v} is beyond float32 range`,
          );
        if (px instanceof Uint8Array && !isByte(v)) {
          const wide: Float32Array = new Float32Array(px.length);
          wide.set(px.subarray(0, p));
          px = wide;
        }
        px[p++] = v;
      }
    }
    x = px;
    n++;
  }
  if (!x || !y) throw new DatasetError(`${opts.source}: no examples`);
  const full = n === y.length; // no blank lines or header: keep the arrays as they are
  return finishRaw(
    full ? x : x.slice(0, n * pixels),
    full ? y : y.slice(0, n),
    [h, w, c],
    opts.numClasses,
    opts.source,
  );
}
