// Dataset bytes: file:// read here, s3:// through an injected reader (core has no AWS), gzip
// undone by its magic number. Every failure is a DatasetError naming the URI.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { isS3Uri } from '../store/s3-uri.js';
import { DatasetError } from './dataset.js';

export type ReadBytes = (uri: string) => Promise<Uint8Array>;

/** file://PATH, relative paths (file://./runs) taken from the cwd. */
export function filePath(uri: string): string {
  const rest = uri.slice('file://'.length);
  return rest.startsWith('/') ? decodeURIComponent(rest) : resolve(rest);
}

/** Stored bytes of a file:// or s3:// URI, or of a plain path (the builtin datasets' files). */
export async function readUri(uri: string, readBytes: ReadBytes | undefined): Promise<Uint8Array> {
  try {
    const local = uri.startsWith('file://')
      ? filePath(uri)
      : /^[a-z][a-z0-9+.-]*:/i.test(uri)
        ? undefined
        : uri;
    if (local !== undefined) {
      const b = await readFile(local);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a view: no copy of a large file
    }
    if (isS3Uri(uri)) {
      if (!readBytes) throw new Error('no reader for s3:// URIs was given');
      return await readBytes(uri);
    }
  } catch (e) {
    throw new DatasetError(`cannot read dataset ${uri}: ${(e as Error).message}`);
  }
  throw new DatasetError(`unsupported dataset URI ${uri}`);
}

export const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;

/**
 * Undoes gzip (by its magic number) into one buffer sized from the trailer's ISIZE, so a large file
 * costs its decompressed size once: with smaller chunks gunzipSync gathers them, then concatenates.
 * A wrong ISIZE (several gzip members, 4 GiB and more) only falls back to that.
 */
export function gunzipIfNeeded(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const isize =
    bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 4, true) : 0;
  try {
    // One spare byte: a full output chunk would make zlib allocate another to look for more.
    const out = gunzipSync(bytes, { chunkSize: Math.max(64, isize + 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DatasetError(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
}

export async function readDecoded(uri: string, readBytes: ReadBytes | undefined): Promise<Uint8Array> {
  return gunzipIfNeeded(await readUri(uri, readBytes), uri);
}

export function decodeText(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError(`${source}: not UTF-8 text; is this really a CSV file?`);
  }
}

export interface FileProbe {
  /** Bytes on disk. */
  storedBytes: number;
  /** The first (decompressed) bytes, up to what was asked. */
  head: Uint8Array;
  /** Decompressed size; for gzip the trailer's ISIZE, which is the size modulo 2^32. */
  bytes: number;
  gzip: boolean;
}

/** Whether a probed file has `expected` decompressed bytes (modulo 2^32 for gzip, all it records). */
export function probeHasSize(p: FileProbe, expected: number): boolean {
  return p.gzip ? expected % 2 ** 32 === p.bytes : expected === p.bytes;
}

/**
 * Size and first bytes of a local file without reading it whole: what a header check of a
 * large file needs. `uri` is a file:// URI or an absolute path.
 */
export async function probeFile(uri: string, headBytes: number): Promise<FileProbe> {
  const path = uri.startsWith('file://') ? filePath(uri) : uri;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, 'r');
    const storedBytes = (await fh.stat()).size;
    const first = Buffer.alloc(Math.min(storedBytes, Math.max(headBytes, 2))); // 2: the gzip magic
    await fh.read(first, 0, first.length, 0);
    if (!isGzip(first))
      return {
        storedBytes,
        head: new Uint8Array(first.subarray(0, headBytes)),
        bytes: storedBytes,
        gzip: false,
      };
    const tail = Buffer.alloc(4);
    await fh.read(tail, 0, 4, storedBytes - 4);
    const head = await gunzipHead(path, headBytes, uri);
    return { storedBytes, head, bytes: tail.readUInt32LE(0), gzip: true };
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`cannot read dataset ${uri}: ${(e as Error).message}`);
  } finally {
    await fh?.close();
  }
}

/** The first `n` decompressed bytes of a gzip file, reading only as much as that needs. */
async function gunzipHead(path: string, n: number, uri: string): Promise<Uint8Array> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const input = createReadStream(path);
    const gz = createGunzip();
    const done = (): void => {
      input.destroy();
      gz.destroy();
      res(new Uint8Array(Buffer.concat(chunks).subarray(0, n)));
    };
    gz.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) done();
    });
    gz.on('end', done);
    gz.on('error', (e) => rej(new DatasetError(`${uri}: corrupt gzip data (${e.message})`)));
    input.on('error', (e) => rej(new DatasetError(`cannot read dataset ${uri}: ${e.message}`)));
    input.pipe(gz);
  });
}
