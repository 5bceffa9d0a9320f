import { beforeAll, describe, expect, it } from 'vitest';
import {
  autohasStep,
  controllerStep,
  createAutohasState,
  disposeAutohasState,
  extremeArch,
  scheduledRate,
  warmupStep,
  weightStep,
} from '../../../core/autohas/step.js';
import type { LoadedDataset } from '../../../core/data/dataset.js';
import { Rng } from '../../../core/rng.js';
import { AutohasSpec } from '../../../core/spec/schema.js';
import { initBackend, tf } from '../../../core/training/backend.js';
import { microSpec, tinyDigits, tinySpec } from './fixtures.js';

let data: LoadedDataset;
beforeAll(async () => {
  await initBackend('cpu');
  data = await tinyDigits();
});

describe('autohasStep', () => {
  it('updates shared weights and controller; rewards use accuracy and the simulator', () => {
    const s = createAutohasState(tinySpec(), data, { batchSize: 16 });
    const vars = [...s.supernet.vars];
    const head = [...s.supernet.weight('head_dense/kernel').dataSync()];
    const logs = Array.from({ length: 4 }, () => autohasStep(s));
    expect(s.step).toBe(4);
    expect([...s.supernet.weight('head_dense/kernel').dataSync()]).not.toEqual(head);
    expect(s.supernet.vars.every((v, i) => v === vars[i])).toBe(true);
    expect(s.controller.updates).toBe(4);
    for (const l of logs) {
      expect(l.controller.accuracy).toBeGreaterThanOrEqual(0);
      expect(l.controller.accuracy).toBeLessThanOrEqual(1);
      if (l.controller.feasible) expect(l.controller.latencyMs).toBeGreaterThan(0);
    }
    // Each step: weight batch + trial batch (fwd+bwd), one validation batch (fwd).
    expect(s.evalExamples).toBeGreaterThan(0);
    expect(s.trainExamples).toBeGreaterThanOrEqual(s.evalExamples);
    disposeAutohasState(s);
  });

  it('the controller step scores temporary weights: shared weights stay bit-identical', () => {
    const s = createAutohasState(tinySpec(), data, { batchSize: 16 });
    const before = s.supernet.vars.map((v) => [...v.dataSync()]);
    const r = controllerStep(s, s.controller.sample(Rng.fromSeed(4)));
    expect(s.supernet.vars.map((v) => [...v.dataSync()])).toEqual(before);
    expect(Number.isFinite(r.reward)).toBe(true);
    disposeAutohasState(s);
  });

  it('mix mode moves the hp logits by the hyper-gradient', () => {
    const s = createAutohasState(microSpec(), data, { batchSize: 8, hpMode: 'mix' });
    const before = s.controller.state().logits;
    for (let i = 0; i < 2; i++) autohasStep(s);
    const lr = s.controller.controlled.indexOf(s.space.indexOf('hyperparameters.learningRate'));
    expect(s.controller.state().logits[lr]).not.toEqual(before[lr]);
    disposeAutohasState(s);
  });

  it('warm-up: the controller logits stay frozen (the baseline moves), then learning starts', () => {
    const s = createAutohasState(microSpec(), data, { batchSize: 8, warmupSteps: 2, valBatchSize: 12 });
    const start = s.controller.state().logits;
    const logs = [autohasStep(s), autohasStep(s)];
    expect(logs.map((l) => l.controller.warmup)).toEqual([true, true]);
    expect(s.controller.state().logits).toEqual(start);
    expect(s.controller.baseline).toBeDefined();
    expect(s.controller.updates).toBe(0);
    // Each step: weight + trial batch (fwd+bwd, 8 each) and one validation batch of 12 scored
    // before and after the trial step (fwd).
    expect([s.trainExamples, s.evalExamples]).toEqual([32, 48]);
    for (const l of logs) expect(l.controller.accuracyBefore).toBeGreaterThanOrEqual(0);
    const after = autohasStep(s);
    expect(after.controller.warmup).toBeUndefined();
    expect(s.controller.updates).toBe(1);
    expect(s.controller.state().logits).not.toEqual(start);
    disposeAutohasState(s);
  });

  it('rejects bad options', () => {
    expect(() => createAutohasState(microSpec(), data, { warmupSteps: -1 })).toThrow(/warmupSteps/);
    expect(() => createAutohasState(microSpec(), data, { valBatchSize: 0 })).toThrow(/valBatchSize/);
    expect(() => createAutohasState(microSpec(), data, { lookahead: 0 })).toThrow(/lookahead/);
    expect(() => createAutohasState(microSpec(), data, { hpMode: 'mix', lookahead: 2 })).toThrow(
      /lookahead must be 1/,
    );
    expect(() =>
      createAutohasState(microSpec(), data, { hpSchedule: 'linear' as unknown as 'cosine' }),
    ).toThrow(/hpSchedule/);
  });

  it('warmupStep trains the shared weights only: the controller and the eval counter stay', () => {
    const s = createAutohasState(microSpec(), data, { batchSize: 8 });
    const logits = s.controller.state();
    const head = [...s.supernet.weight('head_dense/kernel').dataSync()];
    warmupStep(s);
    expect(s.step).toBe(1);
    expect(s.trainExamples).toBe(8);
    expect(s.evalExamples).toBe(0);
    expect(s.controller.state()).toEqual(logits);
    expect([...s.supernet.weight('head_dense/kernel').dataSync()]).not.toEqual(head);
    disposeAutohasState(s);
  });

  it('cosine schedule: a basis is the peak of a cosine decay over scheduleSteps', () => {
    const s = createAutohasState(microSpec(), data, { hpSchedule: 'cosine', scheduleSteps: 10 });
    expect(scheduledRate(s, 0.02)).toBeCloseTo(0.02, 12);
    s.step = 5;
    expect(scheduledRate(s, 0.02)).toBeCloseTo(0.01, 12);
    s.step = 10;
    expect(scheduledRate(s, 0.02)).toBeCloseTo(0, 12);
    disposeAutohasState(s);
    const c = createAutohasState(microSpec(), data, { scheduleSteps: 10, hpSchedule: 'constant' });
    c.step = 5;
    expect(scheduledRate(c, 0.02)).toBe(0.02);
    disposeAutohasState(c);
  });

  it('lookahead: k real trial steps are rolled back exactly, and cost k train batches', () => {
    const s = createAutohasState(tinySpec(), data, { batchSize: 16, lookahead: 3 });
    autohasStep(s);
    const weights = s.supernet.vars.map((v) => [...v.dataSync()]);
    const slots = s.optimizer.slots.map((v) => [...v.dataSync()]);
    const steps = [...s.optimizer.steps];
    const train = s.trainExamples;
    const r = controllerStep(s, s.controller.sample(Rng.fromSeed(4)));
    expect(r.feasible).toBe(true);
    expect(s.supernet.vars.map((v) => [...v.dataSync()])).toEqual(weights);
    expect(s.optimizer.slots.map((v) => [...v.dataSync()])).toEqual(slots);
    expect(s.optimizer.steps).toEqual(steps);
    expect(s.trainExamples - train).toBe(3 * 16);
    disposeAutohasState(s);
  });

  it('extremeArch: the largest / smallest sub-network keeps block types, strides and squeeze-excite', () => {
    const net = tinySpec().space.network;
    const arch = {
      template: 'mobile-cnn' as const,
      stemFilters: 4,
      stages: [
        {
          block: 'mbconv' as const,
          kernel: 3 as const,
          expansion: 1 as const,
          filters: 8,
          layers: 1,
          squeezeExcite: true,
          stride: 2 as const,
        },
        {
          block: 'conv' as const,
          kernel: 5 as const,
          filters: 12,
          layers: 2,
          squeezeExcite: false,
          stride: 1 as const,
        },
      ],
    };
    const max = extremeArch(net, arch, 'max');
    expect(max.stemFilters).toBe(8);
    expect(max.stages[0]).toEqual({ ...arch.stages[0], kernel: 5, expansion: 3, filters: 12, layers: 2 });
    // A plain conv stage takes no expansion.
    expect(max.stages[1]).toEqual({ ...arch.stages[1], kernel: 5, filters: 12, layers: 2 });
    const min = extremeArch(net, arch, 'min');
    expect(min.stages[1]).toEqual({ ...arch.stages[1], kernel: 3, filters: 8, layers: 1 });
    expect(min.stages[0]!.expansion).toBe(1);
  });

  it('sandwich rule: a weight step also trains the largest and smallest sub-network, one update', () => {
    // Find a draw with expansion 1: only the largest sub-network reads the expand conv.
    const probe = createAutohasState(microSpec(), data, { batchSize: 8 });
    const rng = Rng.fromSeed(1);
    let d = probe.controller.sample(rng);
    while (
      d.candidate.network.stages[0]!.block !== 'mbconv' ||
      d.candidate.network.stages[0]!.expansion !== 1
    )
      d = probe.controller.sample(rng);
    disposeAutohasState(probe);
    const expand = (s: ReturnType<typeof createAutohasState>) => [
      ...s.supernet.weight('s1_b1_expand_conv/kernel').dataSync(),
    ];
    for (const sandwich of [false, true]) {
      const s = createAutohasState(microSpec(), data, { batchSize: 8, sandwich });
      const before = expand(s);
      const log = weightStep(s, d);
      expect('loss' in log && Number.isFinite(log.loss)).toBe(true);
      // Without: one batch, the corner untouched. With: three sub-networks on the same batch.
      expect(s.trainExamples).toBe(sandwich ? 24 : 8);
      expect(expand(s)).not.toEqual(sandwich ? before : []);
      if (!sandwich) expect(expand(s)).toEqual(before);
      expect(s.optimizer.steps.every((t) => t <= 1)).toBe(true);
      disposeAutohasState(s);
    }
  });

  it("options default to the spec's autohas section; the sandwich rule has a checkpoint hash of its own", () => {
    const plain = createAutohasState(microSpec(), data, { batchSize: 8 });
    expect(plain.options).toMatchObject({
      hpSchedule: 'cosine',
      hpReward: 'loss',
      lookahead: 1,
      sandwich: false,
    });
    const spec = { ...microSpec(), autohas: AutohasSpec.parse({ sandwich: true, hpSchedule: 'constant' }) };
    const fromSpec = createAutohasState(spec, data, { batchSize: 8 });
    expect(fromSpec.options).toMatchObject({ hpSchedule: 'constant', sandwich: true });
    const on = createAutohasState(microSpec(), data, { batchSize: 8, sandwich: true });
    expect(on.specHash).not.toBe(plain.specHash);
    for (const s of [plain, fromSpec, on]) disposeAutohasState(s);
  });

  it('loss reward: the hp decisions learn from per-basis scaled drops in validation loss', () => {
    const s = createAutohasState(microSpec(), data, { batchSize: 8, hpReward: 'loss' });
    for (let i = 0; i < 3; i++) autohasStep(s);
    expect(s.controller.gainSquares.some((x) => x !== null && x > 0)).toBe(true);
    disposeAutohasState(s);
  });

  it('label smoothing is sampled by the controller and used by the supernet loss', () => {
    const spec = microSpec();
    spec.space.hyperparameters.labelSmoothing = [0, 0.2];
    const s = createAutohasState(spec, data, { batchSize: 8 });
    const names = s.controller.controlled.map((i) => s.space.decisions[i]!.name);
    expect(names).toContain('hyperparameters.labelSmoothing');
    const seen = new Set(Array.from({ length: 6 }, () => autohasStep(s).controller.hp.labelSmoothing));
    expect(seen).toEqual(new Set([0, 0.2]));
    disposeAutohasState(s);
  });

  it('rejects bad hp bases before allocating anything', () => {
    const spec = microSpec();
    const before = tf.memory().numTensors;
    spec.space.hyperparameters.learningRate = { min: 0.1, max: 0.01, bases: 3, scale: 'log' };
    expect(() => createAutohasState(spec, data)).toThrow(
      /hyperparameters.learningRate: min \(0.1\) must be below max/,
    );
    spec.space.hyperparameters.learningRate = { min: 0.001, max: 0.01, bases: 1, scale: 'log' };
    expect(() => createAutohasState(spec, data)).toThrow(/bases must be a whole number >= 2/);
    spec.space.hyperparameters.learningRate = [-0.01, 0.01];
    expect(() => createAutohasState(spec, data)).toThrow(/must not be negative/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
