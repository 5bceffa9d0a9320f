import { beforeAll, describe, expect, it } from 'vitest';
import {
  fineTuneBuilder,
  loadSubnetWeights,
  SUBNET_WEIGHTS_FORMAT,
  subnetWeights,
} from '../../../core/autohas/finetune.js';
import { createAutohasState, disposeAutohasState, warmupStep } from '../../../core/autohas/step.js';
import type { LoadedDataset } from '../../../core/data/dataset.js';
import { buildModel } from '../../../core/network/build.js';
import { Rng } from '../../../core/rng.js';
import type { NetworkArch } from '../../../core/space/types.js';
import { initBackend, tf } from '../../../core/training/backend.js';
import { tinyDigits, tinySpec } from './fixtures.js';

let data: LoadedDataset;
beforeAll(async () => {
  await initBackend('cpu');
  data = await tinyDigits();
});

describe('fine-tuning from the supernet', () => {
  it("a child built from the sub-network's weights computes the supernet's logits", () => {
    const s = createAutohasState(tinySpec(), data, { batchSize: 16 });
    for (let i = 0; i < 3; i++) warmupStep(s);
    const rng = Rng.fromSeed(7);
    const archs: NetworkArch[] = [];
    // Several block types, kernels and widths, each sliced from the same shared weights.
    while (archs.length < 4) {
      const a = s.controller.sample(rng).candidate.network;
      if (!archs.some((b) => b.stages[0]!.block === a.stages[0]!.block && archs.length < 3)) archs.push(a);
    }
    const x = tf.tensor4d(Float32Array.from(data.val.x.slice(0, 8 * 64)), [8, ...data.shape]);
    for (const arch of archs) {
      const w = subnetWeights(s.supernet, arch);
      const built = fineTuneBuilder(arch, w)(data.shape, data.numClasses, 3);
      // Training mode: batch statistics, as the supernet uses.
      const child = built.logitsModel.apply(x, { training: true }) as tf.Tensor;
      const shared = tf.tidy(() => s.supernet.forward(arch, x).logits);
      const diff = tf.max(tf.abs(tf.sub(child, shared))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-3);
      tf.dispose([child, shared]);
      built.model.dispose();
    }
    x.dispose();
    disposeAutohasState(s);
  });

  it('rejects weights of another architecture, naming what is wrong', () => {
    const s = createAutohasState(tinySpec(), data, { batchSize: 16 });
    const rng = Rng.fromSeed(2);
    const a = s.controller.sample(rng).candidate.network;
    const w = subnetWeights(s.supernet, a);
    const wider: NetworkArch = { ...a, stemFilters: a.stemFilters === 4 ? 8 : 4 };
    const other = buildModel(wider, data.shape, data.numClasses, 0);
    expect(() => loadSubnetWeights(other.model, w, 'init.json')).toThrow(/init\.json: stem.* has shape/);
    const extra = { ...w, tensors: [...w.tensors, { name: 'nowhere/kernel', shape: [1], values: [0] }] };
    const same = buildModel(a, data.shape, data.numClasses, 0);
    expect(() => loadSubnetWeights(same.model, extra)).toThrow(/no place in the model for nowhere\/kernel/);
    expect(() => loadSubnetWeights(same.model, { ...w, format: 'x' } as unknown as typeof w)).toThrow(
      SUBNET_WEIGHTS_FORMAT,
    );
    for (const m of [other.model, same.model]) m.dispose();
    disposeAutohasState(s);
  });
});
