import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedDataset } from '../../../core/data/dataset.js';
import { loadDataset } from '../../../core/data/load.js';
import { buildModel } from '../../../core/network/build.js';
import {
  calibrationRows,
  floatPredict,
  integerGraph,
  quantizedAccuracy,
  quantizeKernels,
  quantizeModel,
} from '../../../core/quantize/model.js';
import type { NetworkArch } from '../../../core/space/types.js';
import { DatasetSpec, TrainingSpec } from '../../../core/spec/schema.js';
import { tf } from '../../../core/training/backend.js';
import { loadModelFromStore, loadQuantizedFromStore } from '../../../core/training/model-io.js';
import { evaluateAccuracy, trainChild } from '../../../core/training/train.js';
import type { TrainResult } from '../../../core/training/types.js';
import { MemStore } from '../training/mem-store.js';

/** Every fused group of the template: expand conv, depthwise, squeeze-excite, project, residual add. */
const ARCH: NetworkArch = {
  template: 'mobile-cnn',
  stemFilters: 8,
  stages: [
    { block: 'mbconv', kernel: 3, expansion: 3, filters: 16, layers: 2, squeezeExcite: true, stride: 2 },
  ],
};

let digits: LoadedDataset;
let model: tf.LayersModel;
let trained: TrainResult;
const store = new MemStore();
beforeAll(async () => {
  digits = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
  const r = await trainChild({
    arch: ARCH,
    hyperparameters: { learningRate: 0.01, weightDecay: 1e-4, optimizer: 'adam', batchSize: 32 },
    dataset: digits,
    training: TrainingSpec.parse({ steps: 80 }),
    seed: 3,
    saveModel: { store, prefix: 'm' },
  });
  expect(r.status).toBe('ok');
  trained = r;
  model = await loadModelFromStore(store, 'm');
}, 120_000);

const opts = { weightBits: 8, batches: 4, batchSize: 32, seed: 7 };

describe('quantized child', () => {
  it('stores the outputs of fused groups only: batch-norm folded, ReLU fused, softmax and reshape left out', () => {
    const stored = integerGraph(model)
      .steps.filter((s) => s.quantized)
      .map((s) => s.layer.name);
    expect(stored).toContain('stem_relu');
    expect(stored).not.toContain('stem_conv');
    expect(stored).not.toContain('stem_bn');
    expect(stored).toContain('s1_b1_project_bn'); // no ReLU after the projection
    expect(stored).toContain('s1_b2_add');
    expect(stored).toContain('s1_b1_se_relu'); // dense + relu fused
    expect(stored).not.toContain('s1_b1_se_reduce');
    expect(stored).toContain('s1_b1_se_expand'); // sigmoid is its own op
    expect(stored).toContain('s1_b1_se_sigmoid');
    expect(stored).not.toContain('s1_b1_se_scale_reshape');
    expect(stored).toContain('head_dense');
    expect(stored).not.toContain('head_softmax');
  });

  it('the layer-by-layer run equals model.predict', () => {
    const x = tf.randomNormal([5, 8, 8, 1], 0, 1, 'float32', 1);
    const a = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const b = floatPredict(model, x).arraySync() as number[][];
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < a[i]!.length; j++) expect(b[i]![j]).toBeCloseTo(a[i]![j]!, 5);
    x.dispose();
  });

  it('calibrates on seeded training rows and is deterministic', () => {
    expect(calibrationRows(100, 10, 1)).toEqual(calibrationRows(100, 10, 1));
    expect(calibrationRows(100, 10, 1)).not.toEqual(calibrationRows(100, 10, 2));
    expect(new Set(calibrationRows(100, 10, 1)).size).toBe(10);
    expect(calibrationRows(5, 10, 1)).toHaveLength(5);
    const a = quantizeModel(model, digits.train, digits.shape, opts);
    const b = quantizeModel(model, digits.train, digits.shape, opts);
    expect(a.calibrationExamples).toBe(128);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(quantizedAccuracy(model, a, digits.test, digits.shape)).toBe(
      quantizedAccuracy(model, b, digits.test, digits.shape),
    );
    expect(a.activations[0]!.tensor).toBe('input');
    // Every conv, depthwise and dense kernel, with one scale per output channel.
    const dw = a.kernels.find((k) => k.layer === 's1_b1_dw')!;
    expect(dw.shape).toEqual([3, 3, 24, 1]);
    expect(dw.scales).toHaveLength(24);
    expect(a.kernels.find((k) => k.layer === 'head_dense')!.scales).toHaveLength(10);
    expect(a.kernels).toHaveLength(
      model.layers.filter((l) => ['Conv2D', 'DepthwiseConv2D', 'Dense'].includes(l.getClassName())).length,
    );
  });

  it('int8 accuracy is within 2 points of fp32 on digits; 4-bit weights cost more', () => {
    const fp32 = evaluateAccuracy(model, digits.test, digits.shape);
    const int8 = quantizedAccuracy(
      model,
      quantizeModel(model, digits.train, digits.shape, opts),
      digits.test,
      digits.shape,
    );
    const int4 = quantizedAccuracy(
      model,
      quantizeModel(model, digits.train, digits.shape, { ...opts, weightBits: 4 }),
      digits.test,
      digits.shape,
    );
    expect(fp32).toBeGreaterThan(0.85);
    expect(Math.abs(fp32 - int8)).toBeLessThanOrEqual(0.02);
    // It is a real simulation: the quantized model does not give the fp32 predictions back bit for bit.
    expect(int4).toBeLessThan(fp32 + 0.02);
    expect(int4).toBeGreaterThan(0.2);
  });

  it('2-bit weights (codes −1, 0, 1) wreck the network: the kernels really are replaced', () => {
    const q = quantizeModel(model, digits.train, digits.shape, { ...opts, weightBits: 2 });
    const fp32 = evaluateAccuracy(model, digits.test, digits.shape);
    expect(quantizedAccuracy(model, q, digits.test, digits.shape)).toBeLessThan(fp32 - 0.1);
  });

  it('refuses a layer it cannot express in integers', () => {
    const m = buildModel(ARCH, [8, 8, 1], 10, 0).model;
    const x = tf.input({ shape: [4] });
    const odd = tf.model({ inputs: x, outputs: tf.layers.prelu().apply(x) as tf.SymbolicTensor });
    expect(() => integerGraph(odd)).toThrow(/cannot quantize layer/);
    m.dispose();
    odd.dispose();
  });

  it('the trainer scores the quantized child and exports int8.bin + int8.json beside the fp32 model', async () => {
    const q = trained.quantized!;
    expect(q).toMatchObject({ weightBits: 8, activationBits: 8, calibrationExamples: 4 * 32 });
    expect(Math.abs(q.testAccuracy - trained.testAccuracy)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(q.valAccuracy - trained.valAccuracy)).toBeLessThanOrEqual(0.03);
    expect([...store.objects.keys()].sort()).toEqual([
      'm/int8.bin',
      'm/int8.json',
      'm/model.json',
      'm/weights.bin',
    ]);
    // The exported codes and scales are the simulation's: scoring them gives the trainer's figure.
    const loaded = await loadQuantizedFromStore(store, 'm');
    expect(loaded.kernels.map((k) => k.layer)).toEqual(quantizeKernels(model, 8).map((k) => k.layer));
    expect(quantizedAccuracy(model, loaded, digits.test, digits.shape)).toBe(q.testAccuracy);
    const bytes = loaded.kernels.reduce((n, k) => n + k.q.length, 0);
    expect((await store.get('m/int8.bin')).length).toBe(bytes);
  });
});
