// IDX files (MNIST / Fashion-MNIST `*-ubyte`): big-endian header, magic 0x0000 <type> <ndims>,
// then ndims uint32 sizes, then the values.
import { DatasetError, type Pixels } from './dataset.js';

const TYPES: Record<number, { bytes: number; read: (v: DataView, o: number) => number }> = {
  8: { bytes: 1, read: (v, o) => v.getUint8(o) },
  9: { bytes: 1, read: (v, o) => v.getInt8(o) },
  11: { bytes: 2, read: (v, o) => v.getInt16(o) },
  12: { bytes: 4, read: (v, o) => v.getInt32(o) },
  13: { bytes: 4, read: (v, o) => v.getFloat32(o) },
  14: { bytes: 8, read: (v, o) => v.getFloat64(o) },
};
const UINT8 = 0x08;
const FLOATS = new Set([13, 14]);

export interface IdxHeader {
  dims: number[];
  /** The IDX type code (0x08 uint8 … 0x0e float64). */
  type: number;
  /** Bytes before the values. */
  headerBytes: number;
  /** The size the header implies for the whole file. */
  fileBytes: number;
}

export interface IdxArray {
  dims: number[];
  /** A view of the file's bytes for uint8 files (no copy), float32 otherwise. */
  data: Pixels;
}

/** The header alone: enough to check a file's size against it without reading the values. */
export function parseIdxHeader(head: Uint8Array, source: string): IdxHeader {
  if (head.length < 4)
    throw new DatasetError(`${source}: too short to be an IDX file (${head.length} bytes)`);
  const type = TYPES[head[2]!];
  const ndims = head[3]!;
  if (head[0] !== 0 || head[1] !== 0 || !type || ndims < 1 || ndims > 4)
    throw new DatasetError(`${source}: not an IDX file (bad magic number)`);
  const headerBytes = 4 + 4 * ndims;
  if (head.length < headerBytes) throw new DatasetError(`${source}: truncated IDX header`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  return { dims, type: head[2]!, headerBytes, fileBytes: headerBytes + count * type.bytes };
}

/** Throws unless the file is exactly as long as its header says. */
export function checkIdxSize(h: IdxHeader, actualBytes: number, source: string): void {
  if (actualBytes !== h.fileBytes)
    throw new DatasetError(
      `${source}: IDX header says [${h.dims}] (${h.fileBytes} bytes) but the file has ${actualBytes} bytes`,
    );
}

export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const h = parseIdxHeader(bytes, source);
  checkIdxSize(h, bytes.length, source);
  if (h.type === UINT8) return { dims: h.dims, data: bytes.subarray(h.headerBytes) };
  const type = TYPES[h.type]!;
  const count = (bytes.length - h.headerBytes) / type.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, h.headerBytes + i * type.bytes);
  if (FLOATS.has(h.type))
    // One NaN pixel would turn every normalized pixel into NaN (the mean is NaN).
    for (let i = 0; i < count; i++)
      if (!Number.isFinite(data[i]!))
        throw new DatasetError(
          `${source}: value ${i} (${idxPosition(i, h.dims)}) is ${data[i]}, not a finite number`,
        );
  return { dims: h.dims, data };
}

/** "example 3, position [2, 1]" for a flat index into [n, …]. */
function idxPosition(i: number, dims: number[]): string {
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const ex = Math.floor(i / per);
  let rest = i % per;
  const pos: number[] = [];
  for (let d = dims.length - 1; d >= 1; d--) {
    pos.unshift(rest % dims[d]!);
    rest = Math.floor(rest / dims[d]!);
  }
  return dims.length > 1 ? `example ${ex}, position [${pos}]` : `example ${ex}`;
}
