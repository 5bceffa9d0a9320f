// The supernet's weight bounds over per-stage choices, a width multiplier and a stem kernel choice.
import { beforeAll, describe, expect, it } from 'vitest';
import { Supernet, supernetWeightSpecs } from '../../../core/autohas/supernet.js';
import { Rng } from '../../../core/rng.js';
import { SearchSpace } from '../../../core/space/encoding.js';
import { parseSpec } from '../../../core/spec/parse.js';
import { initBackend, tf } from '../../../core/training/backend.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const parsed = parseSpec({
  space: {
    network: {
      stages: 2,
      stemFilters: [8, 12],
      stemKernel: [3, 5],
      stemStride: [1, 2],
      widthMultiplier: [0.5, 1, 1.5],
      kernel: [3],
      layers: [1],
      perStage: [
        { blockType: ['conv', 'fused-mbconv'], filters: [8, 16], expansion: [1, 3] },
        { blockType: ['mbconv'], filters: [24, 40], kernel: [3, 5], expansion: [3, 6] },
      ],
    },
  },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const spec = parsed.value;

describe('supernet over a per-stage space', () => {
  it('bounds each stage by its own choices, at the largest multiplier and stem kernel', () => {
    const specs = new Map(supernetWeightSpecs(spec.space.network, 1, 10).map((s) => [s.name, s.shape]));
    // stem: 5×5, 12 filters × 1.5 = 18 → 24 (MobileNet rounding)
    expect(specs.get('stem_conv/kernel')).toEqual([5, 5, 1, 24]);
    // stage 1 (fused, expansion 1): 24 → 16×1.5 = 24 filters; stage 2 only mbconv, kernel up to 5
    expect(specs.get('s1_b1_fused_conv/kernel')).toEqual([3, 3, 24, 72]);
    expect(specs.get('s2_b1_dw/kernel')).toEqual([5, 5, 144, 1]);
    expect(specs.get('s2_b1_project_conv/kernel')).toEqual([1, 1, 144, 64]);
    expect(specs.get('head_dense/kernel')).toEqual([64, 10]);
  });

  it('every sampled sub-network slices its weights from the bounds', () => {
    const sn = new Supernet(spec.space.network, [8, 8, 1], 10, 1);
    const space = new SearchSpace(spec);
    const rng = Rng.fromSeed('per-stage-supernet');
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1);
    for (let i = 0; i < 40; i++) {
      const arch = space.sample(rng).network;
      const shape = tf.tidy(() => sn.forward(arch, x).logits.shape);
      expect(shape).toEqual([2, 10]);
    }
    x.dispose();
    sn.dispose();
  });
});
