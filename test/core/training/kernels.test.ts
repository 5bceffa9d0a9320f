import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type KernelPack, tf } from '../../../core/training/backend.js';
import { vectorLayout } from '../../../core/training/kernels/elementwise.js';
import { jsKernels, nativeKernels, wasmKernels } from '../../../core/training/kernels/index.js';
import { loadNative } from '../../../core/training/kernels/native.js';

type T4 = ReturnType<typeof tf.tensor4d>;

const native = loadNative();
// The native pack is optional; where it cannot build, its part of the suite is skipped (and says
// so). The wasm pack needs nothing but Node, so it always runs.
const packs: [string, KernelPack, boolean][] = [
  ['js', jsKernels, true],
  ['wasm', wasmKernels, true],
  [`native${native.binding ? '' : ` (unavailable: ${native.error})`}`, nativeKernels, !!native.binding],
];
let current: KernelPack = jsKernels;

// Runs f on the plain cpu kernels, then with the pack installed, on the same inputs.
async function compare(f: () => Float32Array[]): Promise<void> {
  const ref = f();
  expect(await current.install(tf)).toBe(true);
  try {
    const got = f();
    expect(got.length).toBe(ref.length);
    got.forEach((g, i) => {
      const r = ref[i]!;
      expect(g.length).toBe(r.length);
      let maxErr = 0;
      let maxRef = 0;
      for (let j = 0; j < r.length; j++) {
        maxErr = Math.max(maxErr, Math.abs(g[j]! - r[j]!));
        maxRef = Math.max(maxRef, Math.abs(r[j]!));
      }
      expect(maxErr).toBeLessThanOrEqual(1e-4 * Math.max(1, maxRef));
    });
  } finally {
    current.uninstall(tf);
  }
}

const rnd = (shape: readonly number[], seed: number): T4 =>
  tf.randomNormal([...shape], 0, 1, 'float32', seed) as unknown as T4;
const vals = (t: { dataSync(): unknown }): Float32Array => Float32Array.from(t.dataSync() as Float32Array);

beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(() => {
  current.uninstall(tf);
});

describe.each(packs)('%s kernels', (_name, pack, available) => {
  beforeAll(() => {
    current = pack;
  });
  if (!available) it.skip('native kernels unavailable here', () => {});
  else {
    describe('fast conv kernels match the cpu backend', () => {
      const cases: [string, number[], number, number, number, 'same' | 'valid'][] = [
        // name, input shape, kernel, out channels, stride, padding
        ['3x3 s1 same', [2, 7, 6, 3], 3, 5, 1, 'same'],
        ['3x3 s2 same', [2, 7, 6, 4], 3, 6, 2, 'same'],
        ['5x5 s2 valid', [1, 9, 9, 2], 5, 3, 2, 'valid'],
        ['1x1 s1', [3, 4, 4, 8], 1, 4, 1, 'same'],
        ['7x7 s1 same on 3x3', [2, 3, 3, 2], 7, 2, 1, 'same'],
        // One input channel (im2col tap by tap) at stride 2, and channel counts around a vector's width.
        ['3x3 s2 same, one channel', [2, 9, 8, 1], 3, 4, 2, 'same'],
        ['3x3 s1 valid, 5 channels', [2, 7, 9, 5], 3, 9, 1, 'valid'],
        ['3x3 s2 same, 12 channels', [2, 9, 10, 12], 3, 20, 2, 'same'],
        // Big enough for the native kernels' threaded path (> 2M MACs).
        ['3x3 s1 threaded', [4, 16, 16, 24], 3, 16, 1, 'same'],
      ];
      for (const [name, shape, k, outC, s, pad] of cases) {
        it(`conv2d ${name}: output and both gradients`, async () => {
          const x = rnd(shape, 1);
          const w = rnd([k, k, shape[3]!, outC], 2);
          const dyShape = tf.conv2d(x, w, s, pad).shape;
          const dy = rnd(dyShape, 3);
          await compare(() => {
            const y = tf.conv2d(x, w, s, pad);
            const g = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as T4, b as T4, s, pad), dy)))([x, w]);
            return [vals(y), vals(g[0]!), vals(g[1]!)];
          });
        });
        it(`depthwise ${name}: output and both gradients`, async () => {
          const x = rnd(shape, 4);
          const w = rnd([k, k, shape[3]!, 1], 5);
          const dy = rnd(tf.depthwiseConv2d(x, w, s, pad).shape, 6);
          await compare(() => {
            const y = tf.depthwiseConv2d(x, w, s, pad);
            const g = tf.grads((a, b) => tf.sum(tf.mul(tf.depthwiseConv2d(a as T4, b as T4, s, pad), dy)))([
              x,
              w,
            ]);
            return [vals(y), vals(g[0]!), vals(g[1]!)];
          });
        });
      }

      it('depthwise big enough for the threaded path', async () => {
        const x = rnd([8, 24, 24, 48], 20);
        const w = rnd([3, 3, 48, 1], 21);
        const dy = rnd([8, 24, 24, 48], 22);
        await compare(() => {
          const g = tf.grads((a, b) => tf.sum(tf.mul(tf.depthwiseConv2d(a as T4, b as T4, 1, 'same'), dy)))([
            x,
            w,
          ]);
          return [vals(tf.depthwiseConv2d(x, w, 1, 'same')), vals(g[0]!), vals(g[1]!)];
        });
      });

      it('fused conv with bias and relu, as tfjs-layers calls it', async () => {
        const x = rnd([2, 5, 5, 3], 7);
        const w = rnd([3, 3, 3, 4], 8);
        const bias = tf.randomNormal([4], 0, 1, 'float32', 9);
        await compare(() => [
          vals(tf.fused.conv2d({ x, filter: w, bias, strides: 1, pad: 'same', activation: 'relu' })),
          vals(tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same' })),
        ]);
      });

      it('the installed pack really replaces the cpu kernel', async () => {
        const before = tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc;
        await current.install(tf);
        expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).not.toBe(before);
        current.uninstall(tf);
        expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBe(before);
      });
    });

    describe('fast elementwise kernels match the cpu backend', () => {
      const pairs: [number[], number[]][] = [
        [[2, 3, 3, 4], [4]],
        [
          [2, 3, 3, 4],
          [1, 1, 1, 4],
        ],
        [
          [1, 1, 1, 4],
          [2, 3, 3, 4],
        ],
        [
          [2, 1, 1, 4],
          [2, 3, 3, 4],
        ],
        [[2, 3, 3, 4], []],
        [[], [2, 3, 3, 4]],
        [
          [2, 3, 3, 4],
          [2, 3, 1, 4],
        ],
        [
          [2, 3, 3, 4],
          [1, 3, 3, 4],
        ],
        [
          [2, 3, 3, 4],
          [2, 3, 3, 4],
        ],
        [
          [3, 1],
          [1, 5],
        ],
      ];
      for (const [sa, sb] of pairs)
        it(`binary ops broadcast [${sa}] with [${sb}]`, async () => {
          const a = tf.randomNormal(sa, 0, 1, 'float32', 11);
          const b = tf.add(tf.abs(tf.randomNormal(sb, 0, 1, 'float32', 12)), 0.5);
          await compare(() => [
            vals(tf.add(a, b)),
            vals(tf.sub(a, b)),
            vals(tf.mul(a, b)),
            vals(tf.div(a, b)),
            vals(tf.squaredDifference(a, b)),
          ]);
        });

      it('per-channel sum, mean and tile, and the reductions it does not handle', async () => {
        const x = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 13);
        const v = tf.randomNormal([1, 1, 1, 6], 0, 1, 'float32', 14);
        await compare(() => [
          vals(tf.sum(x, [0, 1, 2])),
          vals(tf.mean(x, [0, 1, 2], true)),
          vals(tf.sum(x, [1, 2])),
          vals(tf.mean(x, [1, 2])),
          vals(tf.mean(x, [1, 2], true)),
          vals(tf.sum(x, [0, 2])),
          vals(tf.mean(x, [2])),
          vals(tf.sum(x)),
          vals(tf.tile(v, [3, 4, 5, 1])),
          vals(tf.moments(x, [0, 1, 2]).variance),
        ]);
      });
    });
  }
});

describe('vectorLayout', () => {
  it('finds per-row vectors (one for the map, one per example, a scalar) and nothing else', () => {
    expect(vectorLayout([4], [2, 3, 3, 4])).toEqual({ c: 4, k: 1 });
    expect(vectorLayout([1, 1, 1, 4], [2, 3, 3, 4])).toEqual({ c: 4, k: 1 });
    expect(vectorLayout([2, 1, 1, 4], [2, 3, 3, 4])).toEqual({ c: 4, k: 2 });
    expect(vectorLayout([2, 3, 1, 4], [2, 3, 3, 4])).toEqual({ c: 4, k: 6 });
    expect(vectorLayout([], [2, 3])).toEqual({ c: 1, k: 1 });
    expect(vectorLayout([1, 3, 3, 4], [2, 3, 3, 4])).toBeUndefined();
    expect(vectorLayout([2, 3, 3, 1], [2, 3, 3, 4])).toBeUndefined();
    expect(vectorLayout([2, 1, 3, 4], [2, 3, 3, 4])).toBeUndefined();
  });
});
