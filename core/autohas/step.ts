// One AutoHAS step: a weight step on the shared weights, then a controller step scored on
// temporary weights (one trial SGD step) and on the simulator's metrics for the sampled accelerator.
import { simulateNetwork } from '../accelerator/index.js';
import type { LoadedDataset } from '../data/dataset.js';
import { hashOf } from '../hash.js';
import type { NetworkSummary } from '../network/layers.js';
import { InfeasibleArchError } from '../network/mobile-cnn.js';
import { summarizeNetwork } from '../network/summary.js';
import { Rng } from '../rng.js';
import { computeReward } from '../search/reward.js';
import { SearchSpace } from '../space/encoding.js';
import type { NetworkArch } from '../space/types.js';
import type { SearchSpec } from '../spec/schema.js';
import { tf } from '../training/backend.js';
import { Batcher } from './batches.js';
import { Controller, type Draw } from './controller.js';
import type { HpMode } from './hp-bases.js';
import { hpBases } from './hp-bases.js';
import { SharedOptimizer } from './optimizer.js';
import { crossEntropy, Supernet } from './supernet.js';

export interface AutohasOptions {
  /** How hyper-parameter bases are used: draw one, or the softmax-weighted mix. */
  hpMode: HpMode;
  /** Examples per weight, trial and validation batch. */
  batchSize: number;
  /** `mix` mode: step size of the hyper-gradient on the hp logits. */
  hpStep: number;
}

export interface AutohasState {
  spec: SearchSpec;
  options: AutohasOptions;
  /** Hash of the spec, the options and the data shape: a checkpoint must match it. */
  specHash: string;
  space: SearchSpace;
  supernet: Supernet;
  optimizer: SharedOptimizer;
  controller: Controller;
  data: LoadedDataset;
  rng: Rng;
  train: Batcher;
  val: Batcher;
  step: number;
  /** Examples through forward and backward (weight steps, trial steps, mix-mode val gradients). */
  trainExamples: number;
  /** Examples through forward only (validation scoring). */
  evalExamples: number;
}

export interface StepLog {
  step: number;
  weight: { archId: string; loss: number } | { archId: string; skipped: string };
  controller: {
    candidateId: string;
    accuracy: number;
    latencyMs?: number;
    energyMJ?: number;
    areaMM2?: number;
    reward: number;
    advantage: number;
    feasible: boolean;
    hp: Record<string, number>;
  };
}

export function autohasOptions(spec: SearchSpec, over: Partial<AutohasOptions> = {}): AutohasOptions {
  const o: AutohasOptions = { hpMode: 'sample', batchSize: spec.training.batchSize, hpStep: 1, ...over };
  if (o.hpMode !== 'sample' && o.hpMode !== 'mix') throw new Error(`autohas: hpMode must be sample or mix`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new Error(`autohas: batchSize must be a whole number >= 1, got ${o.batchSize}`);
  return o;
}

/** A fresh search: supernet, optimizer and controller initialized from the spec's seed. */
export function createAutohasState(
  spec: SearchSpec,
  data: LoadedDataset,
  over: Partial<AutohasOptions> = {},
): AutohasState {
  const options = autohasOptions(spec, over);
  const hp = spec.space.hyperparameters;
  // Checked here as well as in the schema: bad ranges must fail before any weight is allocated.
  hpBases('learningRate', hp.learningRate);
  hpBases('weightDecay', hp.weightDecay);
  const seed = spec.strategy.seed;
  const space = new SearchSpace(spec);
  const supernet = new Supernet(spec.space.network, data.shape, data.numClasses, seed);
  const optimizer = new SharedOptimizer(
    hp.optimizer[0] ?? 'adam',
    supernet.vars,
    supernet.specs.map((s) => s.decayed),
  );
  const controller = new Controller(space, {
    learningRate: spec.strategy.learningRate,
    baselineDecay: spec.strategy.baselineDecay,
    entropyWeight: spec.strategy.entropyWeight,
    hpMode: options.hpMode,
  });
  return {
    spec,
    options,
    specHash: hashOf({ spec, options, shape: data.shape, classes: data.numClasses, uri: data.uri }),
    space,
    supernet,
    optimizer,
    controller,
    data,
    rng: Rng.fromSeed(`autohas:${seed}`),
    train: new Batcher(data.train, data.shape, seed, 'train', options.batchSize),
    val: new Batcher(data.val, data.shape, seed, 'val', options.batchSize),
    step: 0,
    trainExamples: 0,
    evalExamples: 0,
  };
}

export function disposeAutohasState(s: AutohasState): void {
  s.optimizer.dispose();
  s.supernet.dispose();
}

function trySummary(s: AutohasState, arch: NetworkArch): NetworkSummary | string {
  try {
    return summarizeNetwork(arch, s.data.shape, s.data.numClasses);
  } catch (e) {
    if (e instanceof InfeasibleArchError) return e.message;
    throw e;
  }
}

/** Loss and gradients of `arch` on a batch w.r.t. the shared weights it touches. */
function gradsOn(s: AutohasState, arch: NetworkArch, x: tf.Tensor, y: tf.Tensor) {
  const vars = s.supernet.vars as tf.Variable[];
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(s.supernet.forward(arch, x).logits, y, s.data.numClasses),
    vars,
  );
  const indices = vars.flatMap((v, i) => (grads[v.name] ? [i] : []));
  const list = indices.map((i) => grads[vars[i]!.name]!);
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, indices, grads: list };
}

export function weightStep(s: AutohasState, d: Draw): StepLog['weight'] {
  const archId = d.candidate.id;
  const summary = trySummary(s, d.candidate.network);
  if (typeof summary === 'string') return { archId, skipped: summary };
  const b = s.train.next();
  const g = gradsOn(s, d.candidate.network, b.x, b.y);
  s.optimizer.apply(g.indices, g.grads, d.hp.learningRate, d.hp.weightDecay);
  tf.dispose([b.x, b.y, ...g.grads]);
  s.trainExamples += b.n;
  return { archId, loss: g.loss };
}

export function controllerStep(s: AutohasState, d: Draw): StepLog['controller'] {
  const c = d.candidate;
  const summary = trySummary(s, c.network);
  let accuracy = 0;
  let metrics: { latencyMs?: number; energyMJ?: number; areaMM2?: number } = {};
  if (typeof summary !== 'string') {
    const sim = simulateNetwork(summary, c.accelerator, 'fast');
    metrics = { latencyMs: sim.latencyMs, energyMJ: sim.energyMJ, areaMM2: sim.areaMM2 };
    accuracy = trialAccuracy(s, d);
  }
  const r =
    typeof summary === 'string'
      ? { reward: s.spec.reward.floor, feasible: false }
      : computeReward({ accuracy, ...metrics }, s.spec.objectives, s.spec.reward);
  const advantage = s.controller.reinforce(d.tokens, r.reward);
  return {
    candidateId: c.id,
    accuracy,
    ...metrics,
    reward: r.reward,
    advantage,
    feasible: r.feasible,
    hp: d.hp,
  };
}

/**
 * One trial SGD step with the drawn hp on temporary copies of the touched weights, then the
 * accuracy of those temporary weights on a validation batch. The shared weights are not changed.
 * In `mix` mode the validation loss is also differentiated through the trial step to the mixed
 * learning rate and weight decay (dL/dlr = −g_val·(g + wd·w), dL/dwd = −lr·g_val·w).
 */
function trialAccuracy(s: AutohasState, d: Draw): number {
  const arch = d.candidate.network;
  const { learningRate: lr, weightDecay: wd } = d.hp;
  const b = s.train.next();
  const g = gradsOn(s, arch, b.x, b.y);
  s.trainExamples += b.n;
  const names = g.indices.map((i) => s.supernet.specs[i]!.name);
  const shared = g.indices.map((i) => s.supernet.vars[i]!);
  const decayed = g.indices.map((i) => s.supernet.specs[i]!.decayed && wd > 0);
  const temps = tf.tidy(() =>
    shared.map((w, j) => {
      const step = decayed[j] ? tf.add(g.grads[j]!, tf.mul(w, wd)) : g.grads[j]!;
      return tf.sub(w, tf.mul(step, lr));
    }),
  );
  const v = s.val.next();
  const correct = tf.tidy(() => {
    const { logits } = s.supernet.forwardWith(new Map(names.map((n, j) => [n, temps[j]!])), arch, v.x);
    return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), v.y), 'int32')).dataSync()[0]!;
  });
  s.evalExamples += v.n;
  if (s.options.hpMode === 'mix') {
    const { dLr, dWd } = tf.tidy(() => {
      const f = (...ts: tf.Tensor[]) =>
        crossEntropy(
          s.supernet.forwardWith(new Map(names.map((n, j) => [n, ts[j]!])), arch, v.x).logits,
          v.y,
          s.data.numClasses,
        );
      const gv = tf.grads(f)(temps);
      let dotG = 0;
      let dotW = 0;
      shared.forEach((w, j) => {
        dotG += tf.sum(tf.mul(gv[j]!, g.grads[j]!)).dataSync()[0]!;
        if (decayed[j]) dotW += tf.sum(tf.mul(gv[j]!, w)).dataSync()[0]!;
      });
      return { dLr: -(dotG + wd * dotW), dWd: -lr * dotW };
    });
    s.trainExamples += v.n;
    s.controller.descendMixed('learningRate', dLr, s.options.hpStep);
    s.controller.descendMixed('weightDecay', dWd, s.options.hpStep);
  }
  tf.dispose([b.x, b.y, v.x, v.y, ...g.grads, ...temps]);
  return correct / v.n;
}

/** One step: weight step, then controller step; all randomness from the state's stream. */
export function autohasStep(s: AutohasState): StepLog {
  const weight = weightStep(s, s.controller.sample(s.rng));
  const controller = controllerStep(s, s.controller.sample(s.rng));
  s.step++;
  return { step: s.step, weight, controller };
}
