// `npm run bench -- data [--runs N]`: load time and memory of a 60,000 × 28 × 28 dataset
// (builtin:fashion-mnist where its files are installed, else a synthetic set of the same size in
// a temp directory) and of builtin:digits. Each dataset is measured in a fresh child process
// (node --expose-gc), so the figures are not mixed with this process's heap:
// - loadSeconds: median over N loads (each one read, gunzip, parse, permute, statistics);
// - retainedBytes: the bytes of every buffer the loaded splits hold (an exact count), and
//   arrayBuffersDeltaBytes, V8's external-memory growth after a GC (a measured count);
// - peakRssDeltaBytes: the process's peak resident size minus its size just before the first
//   load (valid when the load set the peak: peakSetByLoad).
// Targets (issue #15): ≤ 3 s, and retained ≤ 2× the uint8 size of the images.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { findFashionMnist } from '../core/data/builtin-files.js';
import { median } from '../core/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const CHILD = `
const { loadDataset } = await import('./core/data/load.ts');
const { DatasetSpec } = await import('./core/spec/schema.ts');
const spec = DatasetSpec.parse(JSON.parse(process.env.BENCH_SPEC));
const runs = Number(process.env.BENCH_RUNS);
gc();
const before = process.memoryUsage();
const maxRssBefore = process.resourceUsage().maxRSS * 1024;
const times = [];
let t = performance.now();
let d = await loadDataset(spec, { seed: 0 });
times.push((performance.now() - t) / 1000);
const maxRssAfter = process.resourceUsage().maxRSS * 1024;
await new Promise((r) => setTimeout(r, 20)); // let streams release their buffers
gc();
const after = process.memoryUsage();
const buffers = new Set([d.train, d.val, d.test].flatMap((s) => [s.x.buffer, s.y.buffer]));
const retainedBytes = [...buffers].reduce((a, b) => a + b.byteLength, 0);
const sizes = { train: d.train.n, validation: d.val.n, test: d.test.n };
const pixelType = d.train.x.constructor.name;
const shape = d.shape;
d = undefined;
for (let i = 1; i < runs; i++) {
  gc();
  t = performance.now();
  d = await loadDataset(spec, { seed: i });
  times.push((performance.now() - t) / 1000);
  d = undefined;
}
process.stdout.write(JSON.stringify({
  times, retainedBytes, sizes, pixelType, shape,
  arrayBuffersDeltaBytes: after.arrayBuffers - before.arrayBuffers,
  peakRssDeltaBytes: maxRssAfter - before.rss,
  peakSetByLoad: maxRssAfter > maxRssBefore,
}));
`;

interface ChildResult {
  times: number[];
  retainedBytes: number;
  sizes: { train: number; validation: number; test: number };
  pixelType: string;
  shape: number[];
  arrayBuffersDeltaBytes: number;
  peakRssDeltaBytes: number;
  peakSetByLoad: boolean;
}

function measure(spec: object, runs: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHILD],
      {
        cwd: ROOT,
        env: { ...process.env, BENCH_SPEC: JSON.stringify(spec), BENCH_RUNS: String(runs) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as ChildResult)
        : reject(new Error(`bench child exited with ${code}`)),
    );
  });
}

/** A synthetic Fashion-MNIST-sized set (60,000 + 10,000 uint8 28×28 images, gzipped IDX) in a temp dir. */
function syntheticSet(): { dir: string; spec: object } {
  const dir = mkdtempSync(join(tmpdir(), 'cosearch-bench-data-'));
  const idx = (dims: number[], fill: (i: number) => number): Buffer => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head[2] = 0x08;
    head[3] = dims.length;
    for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
    const n = dims.reduce((a, b) => a * b, 1);
    const body = Buffer.alloc(n);
    for (let i = 0; i < n; i++) body[i] = fill(i);
    return gzipSync(Buffer.concat([head, body]), { level: 1 });
  };
  mkdirSync(dir, { recursive: true });
  for (const [stem, n] of [
    ['train', 60_000],
    ['t10k', 10_000],
  ] as const) {
    writeFileSync(
      join(dir, `${stem}-images-idx3-ubyte.gz`),
      idx([n, 28, 28], (i) => (i * 2654435761) >>> 24),
    );
    writeFileSync(
      join(dir, `${stem}-labels-idx1-ubyte.gz`),
      idx([n], (i) => i % 10),
    );
  }
  return {
    dir,
    spec: {
      uri: `file://${dir}/train-images-idx3-ubyte.gz`,
      format: 'idx',
      test: { uri: `file://${dir}/t10k-images-idx3-ubyte.gz` },
    },
  };
}

function summarize(r: ChildResult) {
  const [h, w, c] = r.shape as [number, number, number];
  const images = r.sizes.train + r.sizes.validation + r.sizes.test;
  const uint8Bytes = images * h * w * c;
  return {
    examples: r.sizes,
    pixelType: r.pixelType,
    loadSeconds: Number(median(r.times).toFixed(3)),
    loadSecondsRuns: r.times.map((t) => Number(t.toFixed(3))),
    uint8Bytes,
    retainedBytes: r.retainedBytes,
    retainedOverUint8: Number((r.retainedBytes / uint8Bytes).toFixed(3)),
    arrayBuffersDeltaBytes: r.arrayBuffersDeltaBytes,
    peakRssDeltaBytes: r.peakRssDeltaBytes,
    peakRssOverUint8: Number((r.peakRssDeltaBytes / uint8Bytes).toFixed(3)),
    peakSetByLoad: r.peakSetByLoad,
  };
}

export async function run(args: string[]): Promise<unknown> {
  const i = args.indexOf('--runs');
  const runs = i >= 0 ? Math.max(1, Number(args[i + 1])) : 5;
  let installed = true;
  try {
    findFashionMnist();
  } catch {
    installed = false;
  }
  const synthetic = installed ? undefined : syntheticSet();
  try {
    const big = await measure(synthetic?.spec ?? { uri: 'builtin:fashion-mnist' }, runs);
    const digits = await measure({}, runs);
    return {
      data: {
        [installed ? 'fashionMnist' : 'synthetic60k']: summarize(big),
        digits: summarize(digits),
        runs,
        targets: { loadSeconds: 3, retainedOverUint8: 2 },
      },
    };
  } finally {
    if (synthetic && existsSync(synthetic.dir)) rmSync(synthetic.dir, { recursive: true, force: true });
  }
}
