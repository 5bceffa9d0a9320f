// IDX files (MNIST / Fashion-MNIST `*-ubyte`): big-endian header, magic 0x0000 <type> <ndims>.
import { DatasetError } from './dataset.js';

const TYPES: Record<number, { bytes: number; read: (v: DataView, o: number) => number }> = {
  8: { bytes: 1, read: (v, o) => v.getUint8(o) },
  9: { bytes: 1, read: (v, o) => v.getInt8(o) },
  11: { bytes: 2, read: (v, o) => v.getInt16(o) },
  12: { bytes: 4, read: (v, o) => v.getInt32(o) },
  13: { bytes: 4, read: (v, o) => v.getFloat32(o) },
  14: { bytes: 8, read: (v, o) => v.getFloat64(o) },
};

export interface IdxArray {
  dims: number[];
  data: Float32Array;
}

export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4)
    throw new DatasetError(`${source}: too short to be an IDX file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = TYPES[bytes[2]!];
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type || ndims < 1 || ndims > 4)
    throw new DatasetError(`${source}: not an IDX file (bad magic number)`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new DatasetError(`${source}: truncated IDX header`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = header + count * type.bytes;
  if (bytes.length !== expected)
    throw new DatasetError(
      `${source}: IDX header says [${dims}] (${expected} bytes) but the file has ${bytes.length} bytes`,
    );
  const data = new Float32Array(count);
  if (type.bytes === 1 && bytes[2] === 0x08) data.set(bytes.subarray(header));
  else for (let i = 0; i < count; i++) data[i] = type.read(view, header + i * type.bytes);
  return { dims, data };
}
