// Small dataset files written to a temp directory for the reader tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'cosearch-data-'): {
  dir: string;
  file(name: string, body: string | Uint8Array): string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    /** Writes the file and returns its file:// URI. */
    file(name, body) {
      const p = join(dir, name);
      writeFileSync(p, body);
      return `file://${p}`;
    },
  };
}

/** n rows of a 2×2×1 image CSV, label last, labels cycling through k classes. */
export function csv(n: number, k: number, header = false): string {
  const rows = header ? ['a,b,c,d,label'] : [];
  for (let i = 0; i < n; i++) rows.push(`${i % 7},${(i * 3) % 5},1,${i % 2},${i % k}`);
  return `${rows.join('\n')}\n`;
}

/** An IDX file: type code (0x08 uint8 … 0x0d float32, 0x0e float64), dims, values. */
export function idx(type: number, dims: number[], data: number[]): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
  const size = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[type as 8]!;
  const body = Buffer.alloc(data.length * size);
  data.forEach((v, i) => {
    if (type === 8) body.writeUInt8(v, i);
    else if (type === 13) body.writeFloatBE(v, 4 * i);
    else if (type === 14) body.writeDoubleBE(v, 8 * i);
    else if (type === 12) body.writeInt32BE(v, 4 * i);
    else throw new Error(`idx fixture: type ${type} not written here`);
  });
  return Buffer.concat([head, body]);
}

/** Images [n, h, w] of uint8 values and labels cycling through k classes, as two IDX files. */
export function idxPair(
  n: number,
  h: number,
  w: number,
  k: number,
): { images: Uint8Array; labels: Uint8Array } {
  return {
    images: idx(
      0x08,
      [n, h, w],
      Array.from({ length: n * h * w }, (_, i) => (i * 7) % 256),
    ),
    labels: idx(
      0x08,
      [n],
      Array.from({ length: n }, (_, i) => i % k),
    ),
  };
}

/**
 * CIFAR-10 binary records: record r has label labels[r] and pixel (y, x) of channel ch equal to
 * pixel(r, ch, y, x) (stored channels first, as the format does).
 */
export function cifarRecords(
  labels: number[],
  pixel: (r: number, ch: number, y: number, x: number) => number,
): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    const o = r * 3073;
    out[o] = label;
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) out[o + 1 + ch * 1024 + y * 32 + x] = pixel(r, ch, y, x);
  });
  return out;
}
