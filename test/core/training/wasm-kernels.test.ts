// The committed WebAssembly module (intact, and exactly what its sources build), and the kernel
// outputs kept in its memory.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type KernelPack, tf } from '../../../core/training/backend.js';
import { bindingConvImpl } from '../../../core/training/kernels/binding.js';
import { convKernelPack } from '../../../core/training/kernels/register.js';
import { loadWasm } from '../../../core/training/kernels/wasm.js';
import { WASM_BASE64, WASM_SHA256 } from '../../../core/training/kernels/wasm-binary.js';
import { WasmOutputPool } from '../../../core/training/kernels/wasm-pool.js';
import { buildWasm, committedWasm, compilerVersion, WASM_TS } from '../../../scripts/build-wasm.js';

/** The compiler the committed module was built with, as its header names it. */
const recorded = /\(([^)]*clang version [^)]*)\)/.exec(readFileSync(WASM_TS, 'utf8').split('\n')[0]!)?.[1];
let compiler: string | undefined;
try {
  compiler = compilerVersion();
} catch {
  compiler = undefined;
}

describe('wasm-binary.ts', () => {
  it('holds the bytes its checksum names', () => {
    const bytes = Buffer.from(WASM_BASE64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(WASM_SHA256);
    expect(committedWasm().equals(bytes)).toBe(true);
  });

  // CI installs clang and lld (.ci/run); elsewhere, without the same compiler, the bytes would differ.
  it.skipIf(compiler !== recorded)(
    `is what the sources build (needs ${recorded}; here: ${compiler ?? 'no clang'})`,
    () => {
      expect(buildWasm().equals(committedWasm())).toBe(true);
    },
    120_000,
  );
});

describe('outputs in the module memory', () => {
  const k = loadWasm().kernels!;
  let pool: WasmOutputPool;
  let pack: KernelPack;
  beforeAll(async () => {
    await initBackend('cpu');
    pool = new WasmOutputPool(k);
    const impl = bindingConvImpl('wasm-test', k.binding(), pool);
    pack = convKernelPack('wasm-test', async () => impl);
  });
  afterEach(() => {
    pack.uninstall(tf);
  });
  const rnd = (shape: [number, number, number, number], seed: number) =>
    tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;

  it('are freed once the tensors holding them are disposed, views (slices) included', async () => {
    expect(await pack.install(tf)).toBe(true);
    const x = rnd([2, 8, 8, 4], 1);
    const w = rnd([3, 3, 4, 8], 2);
    const y = tf.tidy(() => tf.relu(tf.conv2d(x, w, 1, 'same')));
    expect(pool.liveBlocks()).toBe(1);
    const head = tf.tidy(() => tf.slice(y.reshape([-1]), [0], [16])); // contiguous: a view of y's block
    y.dispose();
    expect(pool.liveBlocks()).toBe(1); // the slice still holds y's block
    const expected = tf.tidy(() =>
      Array.from(
        tf
          .relu(tf.conv2d(x, w, 1, 'same'))
          .dataSync()
          .slice(0, 16),
      ),
    );
    expect(Array.from(head.dataSync())).toEqual(expected);
    head.dispose();
    // A few training steps on a variable: only the variable's value stays, then nothing.
    const v = tf.variable(w);
    for (let i = 0; i < 3; i++)
      tf.tidy(() => {
        const g = tf.grad((ww) => tf.sum(tf.square(tf.relu(tf.conv2d(x, ww as tf.Tensor4D, 1, 'same')))))(v);
        v.assign(tf.sub(v, tf.mul(g, 0.01)));
      });
    expect(pool.liveBlocks()).toBe(1);
    v.dispose();
    x.dispose();
    w.dispose();
    expect(pool.liveBlocks()).toBe(0);
  });

  it('reads hand out plain arrays that later kernels never overwrite', async () => {
    expect(await pack.install(tf)).toBe(true);
    const x = rnd([2, 8, 8, 4], 3);
    const w = rnd([3, 3, 4, 8], 4);
    const y = tf.conv2d(x, w, 1, 'same');
    const read = y.dataSync() as Float32Array;
    expect(read.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const copy = Float32Array.from(read);
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.conv2d(tf.neg(x), w, 1, 'same').dataSync());
    expect(Array.from(read)).toEqual(Array.from(copy));
    // The tensor itself still computes with its (now plain) values.
    expect(Array.from(tf.relu(y).dataSync())).toEqual(Array.from(copy).map((v) => Math.max(0, v)));
    tf.dispose([x, w, y]);
  });
});
