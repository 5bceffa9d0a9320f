// The compiled packs (the native addon and the WebAssembly module, the same C++ behind one
// Binding): GEMM conv shapes, the fused ReLU gradient, batch-norm twins, recycled output arrays,
// and results that do not depend on the thread count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchNormGrad, batchNormTrain } from '../../../core/network/fast-batchnorm.js';
import { initBackend, type KernelPack, tf } from '../../../core/training/backend.js';
import { activeBatchNorm, bindingBatchNorm } from '../../../core/training/kernels/batchnorm.js';
import { type Binding, kernelThreadsFromEnv } from '../../../core/training/kernels/binding.js';
import { jsKernels, nativeKernels, wasmKernels } from '../../../core/training/kernels/index.js';
import { loadNative } from '../../../core/training/kernels/native.js';
import { loadWasm } from '../../../core/training/kernels/wasm.js';

type T4 = ReturnType<typeof tf.tensor4d>;
const native = loadNative();
const wasm = loadWasm();

/** Resolves once `n` wasm helper threads run (they start asynchronously, and until then the caller works alone). */
async function wasmHelpers(n: number): Promise<void> {
  for (let waited = 0; (wasm.kernels?.helpersReady() ?? n) < n; waited += 10) {
    if (waited > 20_000) throw new Error('wasm helper threads did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
}
let binding: Binding | undefined;

const rnd = (shape: readonly number[], seed: number): T4 =>
  tf.randomNormal([...shape], 0, 1, 'float32', seed) as unknown as T4;
const vals = (t: { dataSync(): unknown }): Float32Array => Float32Array.from(t.dataSync() as Float32Array);

/** Max |a - b| relative to max(1, max |b|). */
function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let ref = 1;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return err / ref;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

/** Conv output and both gradients, with whatever kernels are registered. */
function convAll(x: T4, w: T4, dy: T4, s: number, pad: 'same' | 'valid'): Float32Array[] {
  return tf.tidy(() => {
    const g = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as T4, b as T4, s, pad), dy)))([x, w]);
    return [vals(tf.conv2d(x, w, s, pad)), vals(g[0]!), vals(g[1]!)];
  });
}

beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(() => {
  nativeKernels.uninstall(tf);
  wasmKernels.uninstall(tf);
  jsKernels.uninstall(tf);
});

const packs: [string, KernelPack, Binding | undefined, string | undefined][] = [
  ['native', nativeKernels, native.binding, native.error],
  ['wasm', wasmKernels, wasm.kernels?.binding(), wasm.error],
];
// The wasm module loads wherever Node 22 runs: its absence is a failure, not a skip.
it('the wasm module loads', () => {
  expect(wasm.error).toBeUndefined();
});

describe.each(packs)('%s kernels', (name, pack, b, error) => {
  beforeAll(() => {
    binding = b;
  });
  if (!b) {
    it.skip(`${name} kernels unavailable: ${error}`, () => {});
    return;
  }
  // Tolerance: 1e-4 of the largest reference magnitude (float32 sums in another order).
  const convCases: [string, number[], number, number, number, 'same' | 'valid'][] = [
    ['3x3 s1 same, one input channel', [3, 9, 8, 1], 3, 16, 1, 'same'],
    ['3x3 s2 same, 5 outputs (scalar tail)', [2, 9, 9, 6], 3, 5, 2, 'same'],
    ['3x3 s2 valid, 13 outputs', [2, 10, 7, 3], 3, 13, 2, 'valid'],
    ['1x1 s2 (not a plain GEMM)', [2, 6, 6, 8], 1, 12, 2, 'valid'],
    ['1x1 s1, 40 outputs', [2, 5, 5, 24], 1, 40, 1, 'same'],
    ['5x5 s1 same, 100 rows of 8-row tiles', [1, 10, 10, 4], 5, 24, 1, 'same'],
    // The GEMM's packed panels: more than one panel of columns with a partial last one (forward
    // 40 columns, input gradient 288), and a depth cut in two blocks (3·3·48 = 432).
    ['3x3 s1 same, 32 inputs, 40 outputs (packed panels)', [2, 8, 8, 32], 3, 40, 1, 'same'],
    ['3x3 s1 valid, 48 inputs (two depth blocks)', [1, 6, 6, 48], 3, 20, 1, 'valid'],
  ];
  for (const [name, shape, k, outC, s, pad] of convCases)
    it(`conv ${name}: output and gradients match the cpu backend`, async () => {
      const x = rnd(shape, 1);
      const w = rnd([k, k, shape[3]!, outC], 2);
      const dy = rnd(tf.conv2d(x, w, s, pad).shape, 3);
      const ref = convAll(x, w, dy, s, pad);
      expect(await pack.install(tf)).toBe(true);
      const got = convAll(x, w, dy, s, pad);
      pack.uninstall(tf);
      got.forEach((g, i) => {
        expect(relErr(g, ref[i]!)).toBeLessThanOrEqual(1e-4);
      });
    });

  it('the ReLU gradient is the cpu backend one, NaN included, and goes through one kernel', async () => {
    const x = tf.tensor1d([-2, -0, 0, 0.5, Number.NaN, 3, -1e-30, 7, 1, -1]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, -6, 7, 8, Number.NaN, 10]);
    const run = () => tf.tidy(() => vals(tf.grad((a) => tf.sum(tf.mul(tf.relu(a), dy)))(x)));
    const ref = run();
    for (const p of [pack, jsKernels]) {
      expect(await p.install(tf)).toBe(true);
      const prof = await tf.profile(() => tf.grad((a) => tf.sum(tf.mul(tf.relu(a), dy)))(x));
      const got = run();
      p.uninstall(tf);
      expect(sameBits(got, ref)).toBe(true);
      const names = prof.kernels.map((kk) => kk.name);
      expect(names).toContain('CosearchReluGrad');
      expect(names).not.toContain('Step');
    }
    // Restored on uninstall.
    const prof = await tf.profile(() => tf.grad((a) => tf.sum(tf.relu(a)))(x));
    expect(prof.kernels.map((kk) => kk.name)).toContain('Step');
  });

  it("Mean's gradient is the cpu backend one bit for bit, in one kernel where the axes are contiguous", async () => {
    const x = rnd([3, 5, 7, 4], 21);
    const cases: [string, (t: T4) => ReturnType<typeof tf.mean>][] = [
      ['global average pool', (t) => tf.mean(t, [1, 2])],
      ['keepDims, negative axis', (t) => tf.mean(t, [-2, -3], true)],
      ['every axis', (t) => tf.mean(t)],
      ['one axis', (t) => tf.mean(t, 3)],
      ['axes not contiguous (stock gradient)', (t) => tf.mean(t, [0, 2])],
    ];
    for (const [label, f] of cases) {
      const dy = rnd(f(x).shape, 22);
      const g = () => tf.grad((a) => tf.sum(tf.mul(f(a as T4), dy)))(x);
      const ref = tf.tidy(() => vals(g()));
      for (const p of [pack, jsKernels]) {
        expect(await p.install(tf)).toBe(true);
        const prof = await tf.profile(() => g());
        const got = tf.tidy(() => vals(g()));
        p.uninstall(tf);
        expect(sameBits(got, ref), label).toBe(true);
        const names = prof.kernels.map((kk) => kk.name);
        if (label.includes('stock')) expect(names, label).not.toContain('CosearchMeanGrad');
        else expect(names, label).toContain('CosearchMeanGrad');
      }
    }
    // Restored on uninstall.
    const prof = await tf.profile(() => tf.grad((a) => tf.sum(tf.mean(a as T4, [1, 2])))(x));
    expect(prof.kernels.map((kk) => kk.name)).not.toContain('CosearchMeanGrad');
  });

  it('relu and step keep NaN like the cpu backend', async () => {
    const x = tf.tensor1d([-1, 0, 2, Number.NaN, -0]);
    const ref = [vals(tf.relu(x)), vals(tf.step(x))];
    await pack.install(tf);
    const got = [vals(tf.relu(x)), vals(tf.step(x))];
    pack.uninstall(tf);
    expect(Array.from(got[0]!)).toEqual(Array.from(ref[0]!));
    expect(Array.from(got[1]!)).toEqual(Array.from(ref[1]!));
  });

  it('batch-norm twins give the same bits as the JS loops', () => {
    const bn = bindingBatchNorm(binding!);
    for (const [rows, c] of [
      [1, 3],
      [50, 7],
      [392, 32],
    ] as const) {
      const x = vals(tf.randomNormal([rows * c], 0.3, 2, 'float32', rows));
      const gamma = vals(tf.randomNormal([c], 1, 0.2, 'float32', 2));
      const beta = vals(tf.randomNormal([c], 0, 0.2, 'float32', 3));
      const dy = vals(tf.randomNormal([rows * c], 0, 1, 'float32', 4));
      const a = batchNormTrain(x, c, gamma, beta, 1e-3);
      const b = bn.train(x, c, gamma, beta, 1e-3);
      for (const k of ['y', 'mean', 'variance', 'xhat'] as const) expect(sameBits(b[k], a[k])).toBe(true);
      expect(Array.from(b.invStd)).toEqual(Array.from(a.invStd));
      const ga = batchNormGrad(dy, a.xhat, a.invStd, gamma, c);
      const gb = bn.grad(dy, b.xhat, b.invStd, gamma, c);
      for (const k of ['dx', 'dGamma', 'dBeta'] as const) expect(sameBits(gb[k], ga[k])).toBe(true);
    }
  });

  it('the same bits with 1 and with 3 threads (threaded GEMM, filter chunks, elementwise)', async () => {
    const x = rnd([8, 20, 20, 16], 5);
    const w = rnd([3, 3, 16, 24], 6);
    const dy = rnd([8, 10, 10, 24], 7);
    const dw = rnd([3, 3, 16, 1], 8);
    const ddy = rnd([8, 20, 20, 16], 9);
    const big = rnd([4, 64, 64, 32], 10); // above the elementwise threading size
    const bias = tf.randomNormal([32], 0, 1, 'float32', 11);
    const run = () =>
      tf.tidy(() => [
        ...convAll(x, w, dy, 2, 'same'),
        vals(
          tf.grads((a, b) => tf.sum(tf.mul(tf.depthwiseConv2d(a as T4, b as T4, 1, 'same'), ddy)))([
            x,
            dw,
          ])[1]!,
        ),
        vals(tf.relu(tf.add(big, bias))),
        vals(tf.sum(big, [0, 1, 2])),
        vals(tf.mean(big, [1, 2])),
        ...batchNorm(vals(big)),
      ]);
    // Batch-norm statistics (per-channel sums on several threads) and its gradient.
    const batchNorm = (v: Float32Array): Float32Array[] => {
      const bn = bindingBatchNorm(binding!);
      const gamma = new Float32Array(32).fill(1.5);
      const r = bn.train(v, 32, gamma, new Float32Array(32).fill(0.1), 1e-3);
      const g = bn.grad(
        v.map((t) => t * 0.5),
        r.xhat,
        r.invStd,
        gamma,
        32,
      );
      return [r.y, r.mean, r.variance, r.xhat, Float32Array.from(r.invStd), g.dx, g.dGamma, g.dBeta];
    };
    await pack.install(tf);
    const prev = binding!.setThreads(1);
    const one = run();
    binding!.setThreads(3);
    if (name === 'wasm') await wasmHelpers(2);
    const helped = binding!.helperPieces();
    const three = run();
    // The helper threads really took part (else the comparison proves nothing).
    expect(binding!.helperPieces()).toBeGreaterThan(helped);
    binding!.setThreads(prev);
    pack.uninstall(tf);
    one.forEach((o, i) => {
      expect(sameBits(three[i]!, o)).toBe(true);
    });
  });

  it('recycled outputs never change what dataSync returned or what a slice still shows', async () => {
    await pack.install(tf);
    try {
      const x = rnd([2, 8, 8, 4], 12);
      const w = rnd([3, 3, 4, 8], 13);
      const y = tf.conv2d(x, w, 1, 'same');
      const read = y.dataSync() as Float32Array;
      const copy = Float32Array.from(read);
      const r = tf.relu(y);
      const head = tf.slice(r, [0], [1]); // contiguous: the cpu backend returns a view of r's array
      // Expected from the copy, so that nothing reads head (a read alone would pin r's array).
      const headExpected = copy.slice(0, head.size).map((v) => Math.max(0, v));
      y.dispose();
      r.dispose();
      // Same sizes again: a careless pool would hand the arrays above back out and overwrite them.
      for (let i = 0; i < 3; i++) tf.tidy(() => tf.relu(tf.conv2d(tf.neg(x), w, 1, 'same')).dataSync());
      expect(sameBits(read, copy)).toBe(true);
      expect(sameBits(vals(head), headExpected)).toBe(true);
      head.dispose();
    } finally {
      pack.uninstall(tf);
    }
  });

  it('a training loop gives the same result with recycled outputs as without', async () => {
    const steps = (n: number) =>
      tf.tidy(() => {
        let w = rnd([3, 3, 2, 4], 14) as tf.Tensor;
        const x = rnd([4, 6, 6, 2], 15);
        for (let i = 0; i < n; i++) {
          const g = tf.grad((ww) => tf.sum(tf.square(tf.relu(tf.conv2d(x, ww as T4, 1, 'same')))))(w);
          w = tf.sub(w, tf.mul(g, 0.01));
        }
        return vals(w);
      });
    await pack.install(tf);
    const a = steps(5);
    pack.uninstall(tf);
    await pack.install(tf);
    const b = steps(5);
    // Once more within one install: now the pool has arrays to hand out.
    const c = steps(5);
    pack.uninstall(tf);
    expect(sameBits(b, a)).toBe(true);
    expect(sameBits(c, a)).toBe(true);
  });

  it('offers its batch-norm loops only while installed', async () => {
    expect(activeBatchNorm()).toBeUndefined();
    await pack.install(tf);
    expect(activeBatchNorm()).toBeDefined();
    pack.uninstall(tf);
    expect(activeBatchNorm()).toBeUndefined();
    await jsKernels.install(tf);
    expect(activeBatchNorm()).toBeUndefined();
    jsKernels.uninstall(tf);
  });

  it("a forward conv's epilogue (bias, ReLU) gives the bits of a separate add and ReLU, -0 and NaN too", () => {
    // 2×5×5×3 input, 3×3 same conv to 10 channels (8 in vectors plus a scalar tail); depthwise s2.
    const g = Int32Array.of(2, 5, 5, 3, 5, 5, 10, 3, 3, 1, 1, 1, 1);
    const gd = Int32Array.of(2, 5, 5, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1);
    const x = Float32Array.from({ length: 150 }, (_, i) => Math.sin(i * 1.7));
    x[7] = Number.NaN;
    const w = Float32Array.from({ length: 270 }, (_, i) => Math.cos(i * 0.3));
    const wd = w.subarray(0, 27);
    for (const [op, geom, filter, c] of [
      [0, g, w, 10],
      [3, gd, wd, 3],
    ] as const) {
      const bias = Float32Array.from({ length: c }, (_, j) => (j % 3 === 0 ? -0 : j - 4.5));
      const plain = b!.conv(op, x, filter, geom);
      const ref = plain.map((v, i) => {
        const s = v + bias[i % c]!;
        return s > 0 || Number.isNaN(s) ? s : 0;
      });
      const got = b!.conv(op, x, filter, geom, new Float32Array(plain.length), bias, true);
      expect(Array.from(got)).toEqual(Array.from(ref));
      expect(got.some(Number.isNaN) && got.some((v) => v === 0)).toBe(true);
      expect(Array.from(b!.conv(op, x, filter, geom, undefined, null, false))).toEqual(Array.from(plain));
      const biasOnly = b!.conv(op, x, filter, geom, undefined, bias, false);
      expect(Array.from(biasOnly)).toEqual(Array.from(plain.map((v, i) => v + bias[i % c]!)));
    }
    expect(() => b!.conv(0, x, w, g, undefined, new Float32Array(9), false)).toThrow(/bias must be/);
    const dy = new Float32Array(500);
    expect(() => b!.conv(1, dy, w, g, undefined, null, true)).toThrow(/forward ops only/);
  });

  // Few-channel inputs (the image) take a direct loop instead of im2col + GEMM. The GEMM path on an
  // explicit im2col matrix (a 1×1 conv over K channels) is the reference, bit for bit.
  const fewCases: [string, number[], number, number, number, number][] = [
    ['1 channel, 3×3 same, 16 outputs', [3, 9, 8, 1], 3, 16, 1, 1],
    ['1 channel, 5×5 s2 same, 12 outputs (a vector tail)', [2, 11, 10, 1], 5, 12, 2, 2],
    ['3 channels, 3×3 s2 valid, 20 outputs', [2, 9, 9, 3], 3, 20, 2, 0],
  ];
  for (const [label, [B, H, W, C], k, N, s, p] of fewCases)
    it(`few-channel conv (${label}): the bits of im2col + GEMM, forward and filter gradient`, () => {
      const outH = Math.floor((H! + 2 * p - k) / s) + 1;
      const outW = Math.floor((W! + 2 * p - k) / s) + 1;
      const K = k * k * C!;
      const x = Float32Array.from({ length: B! * H! * W! * C! }, (_, i) => Math.sin(i * 0.37) * 2);
      const w = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.11));
      const dy = Float32Array.from({ length: B! * outH * outW * N }, (_, i) => Math.sin(i * 0.05 + 1));
      const col = new Float32Array(B! * outH * outW * K);
      for (let bi = 0, m = 0; bi < B!; bi++)
        for (let oy = 0; oy < outH; oy++)
          for (let ox = 0; ox < outW; ox++, m++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++)
                for (let c = 0; c < C!; c++) {
                  const iy = oy * s + ky - p;
                  const ix = ox * s + kx - p;
                  if (iy >= 0 && iy < H! && ix >= 0 && ix < W!)
                    col[m * K + (ky * k + kx) * C! + c] = x[((bi * H! + iy) * W! + ix) * C! + c]!;
                }
      const g = Int32Array.of(B!, H!, W!, C!, outH, outW, N, k, k, s, s, p, p);
      const g1 = Int32Array.of(B!, outH, outW, K, outH, outW, N, 1, 1, 1, 1, 0, 0);
      expect(Array.from(b!.conv(0, x, w, g))).toEqual(Array.from(b!.conv(0, col, w, g1)));
      expect(Array.from(b!.conv(2, x, dy, g))).toEqual(Array.from(b!.conv(2, col, dy, g1)));
      const bias = Float32Array.from({ length: N }, (_, j) => j / 7 - 1);
      const fused = b!.conv(0, x, w, g, undefined, bias, true);
      expect(Array.from(fused)).toEqual(Array.from(b!.conv(0, col, w, g1, undefined, bias, true)));
    });

  it("BatchMatMul and _FusedMatMul give the cpu backend's bits, transposed, batched and fused", async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[64, 100], [100, 10], false, false],
      [[64, 10], [100, 10], false, true],
      [[64, 100], [64, 10], true, false],
      [[100, 64], [10, 100], true, true],
      [[3, 50, 70], [3, 70, 20], false, false],
      [[2, 3, 7, 130], [130, 9], false, false],
    ];
    const run = () =>
      cases.flatMap(([sa, sb, ta, tb], i) => {
        const a = rnd(sa, 10 + i);
        const m = rnd(sb, 20 + i);
        const n = tb ? sb[sb.length - 2]! : sb[sb.length - 1]!;
        const bias = rnd([n], 30 + i);
        return [
          Array.from(tf.matMul(a, m, ta, tb).dataSync()),
          Array.from(
            tf.fused.matMul({ a, b: m, transposeA: ta, transposeB: tb, bias, activation: 'relu' }).dataSync(),
          ),
          Array.from(tf.fused.matMul({ a, b: m, transposeA: ta, transposeB: tb, bias }).dataSync()),
        ];
      });
    const ref = run();
    expect(await pack.install(tf)).toBe(true);
    let got: number[][] = [];
    const prof = await tf
      .profile(() => {
        got = run();
      })
      .finally(() => pack.uninstall(tf));
    got.forEach((g, i) => {
      expect(g).toEqual(ref[i]);
    });
    expect(prof.kernels.filter((k) => k.name === 'BatchMatMul').length).toBe(cases.length);
  });

  it('rejects output arrays of the wrong size', () => {
    const x = new Float32Array(8);
    expect(() => binding!.ew(0, x, new Float32Array(0), 1, new Float32Array(7))).toThrow(/out must be/);
    expect(() => binding!.channelSum(x, 2, 2, 2, false, new Float32Array(3))).toThrow(/out must be/);
  });

  it('rejects a matmul geometry that does not fit its arrays, and a ReLU mask of the wrong size', () => {
    // 1 × (2×3 · 3×4): a holds 6 floats, b 12, out 8.
    const g = Int32Array.of(1, 1, 1, 2, 4, 3, 6, 3, 1, 12, 1, 4);
    const [a, m] = [new Float32Array(6), new Float32Array(12)];
    expect(binding!.matmul(a, m, g, new Float32Array(8))).toHaveLength(8);
    expect(() => binding!.matmul(a, m, g, new Float32Array(9))).toThrow(/array sizes do not match/);
    expect(() => binding!.matmul(new Float32Array(5), m, g, new Float32Array(8))).toThrow(/array sizes/);
    expect(() => binding!.matmul(a, m, g.subarray(0, 11), new Float32Array(8))).toThrow(/geom must be/);
    const [c, n] = [2, 6];
    const f = (k: number) => new Float32Array(k);
    expect(() =>
      binding!.bnGrad(f(n), f(n), new Float64Array(c), f(c), c, f(n), f(c), f(c), f(n - 1)),
    ).toThrow(/reluOut needs as many floats as dy/);
  });
});

describe('COSEARCH_THREADS', () => {
  it('defaults to one thread and refuses anything but an integer from 1 to 64', () => {
    expect(kernelThreadsFromEnv({})).toBe(1);
    expect(kernelThreadsFromEnv({ COSEARCH_THREADS: '' })).toBe(1);
    expect(kernelThreadsFromEnv({ COSEARCH_THREADS: '6' })).toBe(6);
    for (const bad of ['0', '2.5', 'two', '65', '-1'])
      expect(() => kernelThreadsFromEnv({ COSEARCH_THREADS: bad })).toThrow(
        /COSEARCH_THREADS must be an integer/,
      );
  });
});
