import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../core/network/build.js';
import { InfeasibleArchError } from '../../../core/network/mobile-cnn.js';
import { summarizeNetwork } from '../../../core/network/summary.js';
import type { NetworkArch, StageArch } from '../../../core/space/types.js';
import { initBackend } from '../../../core/training/backend.js';
import { stage } from '../../helpers/arch.js';

const arch = (stages: StageArch[], stemFilters = 8): NetworkArch => ({
  template: 'mobile-cnn',
  stemFilters,
  stages,
});

const ARCHS: [string, NetworkArch, [number, number, number], number][] = [
  ['mbconv + se + residual', arch([stage({ filters: 8, layers: 2, squeezeExcite: true })]), [8, 8, 1], 10],
  [
    'every block type, kernel and expansion',
    arch([
      stage({ block: 'mbconv', kernel: 5, expansion: 6, filters: 12, stride: 2 }),
      stage({ block: 'fused-mbconv', kernel: 3, expansion: 1, filters: 12, layers: 2, squeezeExcite: true }),
      stage({ block: 'fused-mbconv', kernel: 7, expansion: 3, filters: 20, layers: 2, stride: 2 }),
      stage({ block: 'conv', kernel: 3, expansion: undefined, filters: 24, squeezeExcite: true }),
    ]),
    [28, 28, 1],
    10,
  ],
  [
    'rgb input, 3 classes',
    arch([stage({ block: 'conv', kernel: 5, filters: 6, layers: 3 })], 4),
    [12, 10, 3],
    3,
  ],
];

describe('summarizeNetwork', () => {
  it('counts a plain conv layer exactly', () => {
    const s = summarizeNetwork(arch([stage({ block: 'conv', filters: 4, stride: 2 })], 2), [8, 8, 1], 10);
    const stem = s.layers[0]!;
    expect(stem).toMatchObject({
      kind: 'conv',
      inH: 8,
      inC: 1,
      outH: 8,
      outC: 2,
      kH: 3,
      params: 18,
      macs: 8 * 8 * 2 * 9,
    });
    const conv = s.layers.find((l) => l.name === 's1_b1_conv')!;
    expect(conv).toMatchObject({
      kind: 'conv',
      outH: 4,
      outW: 4,
      inC: 2,
      outC: 4,
      macs: 4 * 4 * 4 * 9 * 2,
      params: 72,
    });
    expect(s.layers.at(-1)).toMatchObject({ kind: 'vector', op: 'softmax', reads: 10 });
    expect(s.macs).toBe(s.layers.reduce((a, l) => a + (l.kind === 'vector' ? 0 : l.macs), 0));
  });

  it('lists every op of an mbconv block with squeeze-excite and a residual add', () => {
    const s = summarizeNetwork(arch([stage({ filters: 8, squeezeExcite: true })]), [8, 8, 1], 10);
    const names = s.layers.map((l) => l.name).filter((n) => n.startsWith('s1_b1'));
    expect(names).toEqual([
      's1_b1_expand_conv',
      's1_b1_expand_bn',
      's1_b1_expand_relu',
      's1_b1_dw',
      's1_b1_dw_bn',
      's1_b1_dw_relu',
      's1_b1_se_pool',
      's1_b1_se_reduce',
      's1_b1_se_relu',
      's1_b1_se_expand',
      's1_b1_se_sigmoid',
      's1_b1_se_scale',
      's1_b1_project_conv',
      's1_b1_project_bn',
      's1_b1_add',
    ]);
    expect(s.layers.find((l) => l.name === 's1_b1_dw')).toMatchObject({
      kind: 'depthwise',
      inC: 24,
      params: 9 * 24,
    });
  });

  it('rejects a stride that would shrink the map below 1×1', () => {
    const a = arch([stage({ stride: 2 }), stage({ stride: 2 }), stage({ stride: 2 }), stage({ stride: 2 })]);
    expect(() => summarizeNetwork(a, [8, 8, 1], 10)).toThrow(InfeasibleArchError);
    expect(() => summarizeNetwork(a, [8, 8, 1], 10)).toThrow(/s4_b1.*stride 2 on a 1×1 map/);
    expect(() => summarizeNetwork(a, [16, 16, 1], 10)).not.toThrow();
  });

  it('rejects fields outside the template with their path', () => {
    expect(() => summarizeNetwork(arch([stage({ kernel: 4 as 3 })]), [8, 8, 1], 10)).toThrow(
      /stages\[0\]\.kernel/,
    );
    expect(() => summarizeNetwork(arch([]), [8, 8, 1], 10)).toThrow(/stages/);
    expect(() => summarizeNetwork(arch([stage({ filters: 0 })]), [8, 8, 1], 10)).toThrow(/filters/);
    expect(() => summarizeNetwork(arch([stage({})]), [8, 8, 1], 1)).toThrow(/numClasses/);
  });
});

describe('buildModel', () => {
  for (const [name, a, shape, k] of ARCHS)
    it(`analytic params equal model.countParams(): ${name}`, async () => {
      await initBackend('cpu');
      const { model, summary } = buildModel(a, shape, k, 1);
      expect(summary.params).toBe(model.countParams());
      expect(model.outputs[0]!.shape).toEqual([null, k]);
      model.dispose();
    });

  it('seeds the initializers: same seed same weights, other seed other weights', async () => {
    await initBackend('cpu');
    const a = ARCHS[0]![1];
    const w = (seed: number) => {
      const { model } = buildModel(a, [8, 8, 1], 10, seed);
      const out = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.dispose();
      return out;
    };
    expect(w(3)).toEqual(w(3));
    expect(w(3)).not.toEqual(w(4));
  });
});
