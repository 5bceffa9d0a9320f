// Start a real S3-protocol server (s3rver) on loopback for tests: a free port, a temp
// directory, one bucket. Call stop() in afterAll; it ends the server and removes its files.
//
// s3rver runs in a child process with --openssl-legacy-provider: it encrypts ListObjectsV2
// continuation tokens with DES, which Node 22's OpenSSL 3 only offers through that provider.
// In-process, every truncated V2 listing fails with InternalError.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningS3rver {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  bucket: string;
  /** s3rver accepts these (it checks that signatures are well formed, not who signed). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Options for S3Store / openStore / s3ClientConfig that point at this server. */
  storeOptions: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

const BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

export async function startS3rver(bucket = 'cosearch-test', timeoutMs = 30_000): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      BIN,
      '--directory',
      directory,
      '--address',
      '127.0.0.1',
      '--port',
      '0',
      '--silent',
      '--configure-bucket',
      bucket,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Never outlive the test process, even when afterAll does not run.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let port: number;
  try {
    port = await waitForPort(child, timeoutMs);
  } catch (e) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    bucket,
    credentials,
    storeOptions: { endpoint, region: 'us-east-1', credentials },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The bin prints "S3rver listening on ADDRESS:PORT" once the bucket exists and it accepts requests. */
function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => fail(new Error(`s3rver did not start in ${timeoutMs} ms: ${err || out}`)),
      timeoutMs,
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^\s:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`s3rver exited with code ${code}: ${err || out}`)));
  });
}
