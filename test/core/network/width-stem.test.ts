import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NetworkArchSchema } from '../../../core/network/arch-schema.js';
import { buildModel } from '../../../core/network/build.js';
import { InfeasibleArchError, scaledWidth } from '../../../core/network/mobile-cnn.js';
import { summarizeNetwork } from '../../../core/network/summary.js';
import type { NetworkArch } from '../../../core/space/types.js';
import { initBackend } from '../../../core/training/backend.js';
import { stage } from '../../helpers/arch.js';

const BASE: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 16,
  stages: [
    stage({ block: 'conv', expansion: undefined, filters: 32, stride: 2 }),
    stage({
      block: 'mbconv',
      kernel: 5,
      expansion: 6,
      filters: 48,
      layers: 2,
      squeezeExcite: true,
      stride: 2,
    }),
    stage({ block: 'fused-mbconv', expansion: 1, filters: 64, stride: 2 }),
  ],
};
const FASHION: [number, number, number] = [28, 28, 1];

/** MACs per example read off a built tfjs model's layers: convs, depthwise convs and dense. */
function tfjsMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D' && cls !== 'Dense') continue;
    const kernel = layer.getWeights()[0]!.shape;
    const out = layer.outputShape as number[];
    if (cls === 'Dense') macs += kernel[0]! * kernel[1]!;
    else if (cls === 'Conv2D') macs += out[1]! * out[2]! * kernel[0]! * kernel[1]! * kernel[2]! * kernel[3]!;
    else macs += out[1]! * out[2]! * kernel[0]! * kernel[1]! * kernel[2]!;
  }
  return macs;
}

describe('scaledWidth (MobileNet rounding)', () => {
  it('rounds to a multiple of 8, at least 8, never more than 10% below; 1 keeps filters as given', () => {
    const table: [number, number, number][] = [
      [16, 0.5, 8],
      [24, 0.5, 16], // 12 rounds half up to 16
      [24, 0.75, 24], // 18 rounds to 16, 11% below 18, so 24
      [32, 0.75, 24],
      [32, 1.25, 40],
      [48, 0.35, 16],
      [4, 0.5, 8],
      [12, 1, 12],
      [12, 2, 24],
      [1024, 4, 4096],
    ];
    for (const [c, m, want] of table) expect(scaledWidth(c, m), `${c} × ${m}`).toBe(want);
  });
});

describe('width multiplier and stem in the summary', () => {
  it('a multiplier is the same network as its scaled filters written out', () => {
    const half = summarizeNetwork({ ...BASE, widthMultiplier: 0.5 }, FASHION, 10);
    const written = summarizeNetwork(
      {
        ...BASE,
        stemFilters: 8,
        stages: BASE.stages.map((s) => ({ ...s, filters: s.filters / 2 })),
      },
      FASHION,
      10,
    );
    expect(half).toEqual(written);
  });

  it('multiplier 1 is the arch without one; MACs fall about 4x at 0.5 and rise at 1.5', () => {
    const plain = summarizeNetwork(BASE, FASHION, 10);
    expect(summarizeNetwork({ ...BASE, widthMultiplier: 1 }, FASHION, 10)).toEqual(plain);
    const half = summarizeNetwork({ ...BASE, widthMultiplier: 0.5 }, FASHION, 10);
    const wide = summarizeNetwork({ ...BASE, widthMultiplier: 1.5 }, FASHION, 10);
    // Channel-by-channel layers scale by m², the stem (1 input channel) and the head by m.
    const ratio = half.macs / plain.macs;
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.35);
    expect(wide.macs / plain.macs).toBeGreaterThan(2);
    const conv = (s: typeof plain, name: string) => {
      const l = s.layers.find((x) => x.name === name);
      if (l?.kind !== 'conv') throw new Error(`${name} is not a conv layer`);
      return l;
    };
    expect(conv(half, 's1_b1_conv')).toMatchObject({
      inC: 8,
      outC: 16,
      macs: conv(plain, 's1_b1_conv').macs / 4,
    });
    expect(conv(half, 'stem_conv')).toMatchObject({ outC: 8, macs: conv(plain, 'stem_conv').macs / 2 });
  });

  it('the stem kernel and stride shape the stem and everything after it', () => {
    const plain = summarizeNetwork(BASE, FASHION, 10);
    const s = summarizeNetwork({ ...BASE, stemKernel: 5, stemStride: 2 }, FASHION, 10);
    expect(s.layers[0]).toMatchObject({ name: 'stem_conv', kH: 5, kW: 5, stride: 2, outH: 14, outW: 14 });
    expect(s.layers[0]!.kind === 'conv' && s.layers[0]!.macs).toBe(14 * 14 * 16 * 25);
    expect(s.layers.find((l) => l.name === 's1_b1_conv')).toMatchObject({ inH: 14, outH: 7 });
    expect(s.macs).toBeLessThan(plain.macs);
    expect(s.params).toBe(plain.params + 16 * (25 - 9));
    // Defaults written out are the arch without them.
    expect(summarizeNetwork({ ...BASE, stemKernel: 3, stemStride: 1 }, FASHION, 10)).toEqual(plain);
  });

  it('refuses bad stem and width fields with their path', () => {
    const bad = (a: Partial<NetworkArch>) => () => summarizeNetwork({ ...BASE, ...a }, FASHION, 10);
    expect(bad({ stemKernel: 4 as 3 })).toThrow(/network\.stemKernel: must be 3, 5 or 7/);
    expect(bad({ stemStride: 3 as 2 })).toThrow(/network\.stemStride/);
    expect(bad({ widthMultiplier: 0 })).toThrow(/network\.widthMultiplier/);
    expect(bad({ widthMultiplier: 5 })).toThrow(/network\.widthMultiplier/);
    expect(bad({ widthMultiplier: 4, stages: [stage({ filters: 2048 })] })).toThrow(
      /stages\[0\]\.filters: 2048 × widthMultiplier 4 gives 8192 channels/,
    );
    expect(bad({ widthMultiplier: 1, stemStride: 2, stages: [stage({ stride: 2 })] })).not.toThrow();
    const tiny = () =>
      summarizeNetwork(
        { ...BASE, stemStride: 2, stages: [stage({ stride: 2 }), stage({ stride: 2 })] },
        [4, 4, 1],
        10,
      );
    expect(tiny).toThrow(InfeasibleArchError);
  });

  it('arch files accept the stem and width fields and check them', () => {
    expect(
      NetworkArchSchema.safeParse({ ...BASE, stemKernel: 7, stemStride: 2, widthMultiplier: 0.75 }).success,
    ).toBe(true);
    expect(NetworkArchSchema.safeParse({ ...BASE, stemKernel: 4 }).success).toBe(false);
    expect(NetworkArchSchema.safeParse({ ...BASE, widthMultiplier: 0 }).success).toBe(false);
  });
});

describe('the built tfjs model honours the multiplier and the stem', () => {
  const cases: [string, NetworkArch][] = [
    ['multiplier 0.75', { ...BASE, widthMultiplier: 0.75 }],
    ['multiplier 1.5, stem 7×7 stride 2', { ...BASE, widthMultiplier: 1.5, stemKernel: 7, stemStride: 2 }],
    ['multiplier 0.5 on filters below 8', { ...BASE, stemFilters: 4, widthMultiplier: 0.5 }],
  ];
  for (const [name, arch] of cases)
    it(`${name}: analytic params and MACs equal the model's`, async () => {
      await initBackend('cpu');
      const { model, summary } = buildModel(arch, FASHION, 10, 1);
      expect(summary.params).toBe(model.countParams());
      expect(summary.macs).toBe(tfjsMacs(model));
      expect(model.getLayer('stem_conv').getWeights()[0]!.shape).toEqual([
        arch.stemKernel ?? 3,
        arch.stemKernel ?? 3,
        1,
        scaledWidth(arch.stemFilters, arch.widthMultiplier ?? 1),
      ]);
      model.dispose();
    });

  it('the MAC count read off the model follows the multiplier (the check above is not vacuous)', async () => {
    await initBackend('cpu');
    const a = buildModel(BASE, FASHION, 10, 1);
    const b = buildModel({ ...BASE, widthMultiplier: 0.5 }, FASHION, 10, 1);
    expect(tfjsMacs(b.model)).toBeLessThan(tfjsMacs(a.model) / 2);
    expect(b.model.countParams()).toBeLessThan(a.model.countParams() / 2);
    a.model.dispose();
    b.model.dispose();
  });
});
