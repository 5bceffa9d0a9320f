// One AutoHAS step: a weight step on the shared weights, then a controller step scored on
// temporary weights (one trial step of the shared optimizer) and on the simulator's metrics for
// the sampled accelerator.
import { simulateNetwork, technologyOfSpec } from '../accelerator/index.js';
import type { LoadedDataset } from '../data/dataset.js';
import { hashOf } from '../hash.js';
import type { NetworkSummary } from '../network/layers.js';
import { InfeasibleArchError } from '../network/mobile-cnn.js';
import { summarizeNetwork } from '../network/summary.js';
import { Rng } from '../rng.js';
import { computeReward } from '../search/reward.js';
import { SearchSpace } from '../space/encoding.js';
import type { NetworkArch } from '../space/types.js';
import { SEARCH_SIMULATION_TIER } from '../spec/plan.js';
import type { SearchSpec } from '../spec/schema.js';
import { tf } from '../training/backend.js';
import { Batcher } from './batches.js';
import { AutohasController, type Draw } from './controller.js';
import type { HpMode } from './hp-bases.js';
import { hpBases } from './hp-bases.js';
import { SharedOptimizer } from './optimizer.js';
import { crossEntropy, Supernet } from './supernet.js';

export interface AutohasOptions {
  /** How hyper-parameter bases are used: draw one, or the softmax-weighted mix. */
  hpMode: HpMode;
  /** Examples per weight and trial batch (and validation batch unless valBatchSize is given). */
  batchSize: number;
  /** `mix` mode: step size of the hyper-gradient on the hp logits. */
  hpStep: number;
  /**
   * Steps at the start that train the shared weights with the controller frozen (its rewards
   * still warm the baseline): rewards from untrained shared weights are noise. Default 0.
   */
  warmupSteps?: number;
  /** Examples per validation batch that scores the temporary weights. Default: batchSize. */
  valBatchSize?: number;
}

export type ResolvedAutohasOptions = Required<AutohasOptions>;

export interface AutohasState {
  spec: SearchSpec;
  options: ResolvedAutohasOptions;
  /** Hash of the spec, the options and the data shape: a checkpoint must match it. */
  specHash: string;
  space: SearchSpace;
  supernet: Supernet;
  optimizer: SharedOptimizer;
  controller: AutohasController;
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
    /** Validation-batch accuracy of the temporary weights (after the trial step). */
    accuracy: number;
    /** The same batch's accuracy with the shared weights (before the trial step). */
    accuracyBefore?: number;
    latencyMs?: number;
    energyMJ?: number;
    areaMM2?: number;
    reward: number;
    advantage: number;
    feasible: boolean;
    hp: Record<string, number>;
    /** A warm-up step: the reward only moved the baseline. */
    warmup?: boolean;
  };
}

export function autohasOptions(spec: SearchSpec, over: Partial<AutohasOptions> = {}): ResolvedAutohasOptions {
  const batchSize = over.batchSize ?? spec.training.batchSize;
  // `??` per field: an explicit undefined (an absent spec setting) means the default.
  const o: ResolvedAutohasOptions = {
    hpMode: over.hpMode ?? 'sample',
    batchSize,
    hpStep: over.hpStep ?? 1,
    warmupSteps: over.warmupSteps ?? 0,
    valBatchSize: over.valBatchSize ?? batchSize,
  };
  if (o.hpMode !== 'sample' && o.hpMode !== 'mix') throw new Error(`autohas: hpMode must be sample or mix`);
  for (const k of ['batchSize', 'valBatchSize'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1)
      throw new Error(`autohas: ${k} must be a whole number >= 1, got ${o[k]}`);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0)
    throw new Error(`autohas: warmupSteps must be a whole number >= 0, got ${o.warmupSteps}`);
  if (!(o.hpStep > 0)) throw new Error(`autohas: hpStep must be > 0, got ${o.hpStep}`);
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
  const controller = new AutohasController(space, {
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
    val: new Batcher(data.val, data.shape, seed, 'val', options.valBatchSize),
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
  const warmup = s.step < s.options.warmupSteps;
  const o = scoreDraw(s, d, !warmup);
  const advantage = warmup
    ? s.controller.observe(o.reward, o.hpGain)
    : s.controller.reinforce(d.tokens, o.reward, o.hpGain);
  return {
    candidateId: d.candidate.id,
    ...o.scores,
    reward: o.reward,
    advantage,
    feasible: o.feasible,
    hp: d.hp,
    ...(warmup ? { warmup: true } : {}),
  };
}

/**
 * The controller's reward for a draw, and the trial step's gain in reward for its hp decisions
 * (null for an infeasible arch: no trial step ran).
 */
function scoreDraw(s: AutohasState, d: Draw, learn: boolean) {
  const c = d.candidate;
  const summary = trySummary(s, c.network);
  if (typeof summary === 'string')
    return { scores: { accuracy: 0 }, reward: s.spec.reward.floor, feasible: false, hpGain: null };
  const sim = simulateNetwork(summary, c.accelerator, SEARCH_SIMULATION_TIER, {
    technology: technologyOfSpec(s.spec),
  });
  const metrics = { latencyMs: sim.latencyMs, energyMJ: sim.energyMJ, areaMM2: sim.areaMM2 };
  const { before, after } = trialAccuracy(s, d, learn);
  const score = (accuracy: number) =>
    computeReward({ accuracy, ...metrics }, s.spec.objectives, s.spec.reward);
  const r = score(after);
  return {
    scores: { accuracy: after, accuracyBefore: before, ...metrics },
    reward: r.reward,
    feasible: r.feasible,
    hpGain: r.reward - score(before).reward,
  };
}

/**
 * The temporary weights: one step of the shared weights' own optimizer (Adam or SGD with momentum,
 * from its current slots) with the drawn hp, on a train batch, applied to copies of the touched
 * weights; then their accuracy on a validation batch. The shared weights and slots do not change.
 * In `mix` mode (`learn`) the validation loss is also differentiated through that step to the
 * mixed learning rate and weight decay, and the hp logits descend it.
 */
function trialAccuracy(s: AutohasState, d: Draw, learn: boolean): { before: number; after: number } {
  const arch = d.candidate.network;
  const { learningRate: lr, weightDecay: wd } = d.hp;
  const b = s.train.next();
  const g = gradsOn(s, arch, b.x, b.y);
  s.trainExamples += b.n;
  const names = g.indices.map((i) => s.supernet.specs[i]!.name);
  const withTemps = (ts: readonly tf.Tensor[]) => new Map(names.map((n, j) => [n, ts[j]!]));
  const v = s.val.next();
  const correct = (logits: tf.Tensor) =>
    tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), v.y), 'int32')).dataSync()[0]!;
  const before = tf.tidy(() => correct(s.supernet.forward(arch, v.x).logits));
  const after = tf.tidy(() => {
    const temps = s.optimizer.preview(g.indices, g.grads, lr, wd);
    return correct(s.supernet.forwardWith(withTemps(temps), arch, v.x).logits);
  });
  s.evalExamples += 2 * v.n;
  if (s.options.hpMode === 'mix' && learn) {
    const [dLr, dWd] = tf.tidy(() => {
      const f = (lrT: tf.Tensor, wdT: tf.Tensor) => {
        const temps = s.optimizer.preview(g.indices, g.grads, lrT as tf.Scalar, wdT as tf.Scalar);
        return crossEntropy(
          s.supernet.forwardWith(withTemps(temps), arch, v.x).logits,
          v.y,
          s.data.numClasses,
        );
      };
      return tf
        .grads(f)([tf.scalar(lr), tf.scalar(wd)])
        .map((t) => t.dataSync()[0]!);
    });
    s.trainExamples += v.n;
    s.controller.descendMixed('learningRate', dLr!, s.options.hpStep);
    s.controller.descendMixed('weightDecay', dWd!, s.options.hpStep);
  }
  tf.dispose([b.x, b.y, v.x, v.y, ...g.grads]);
  return { before: before / v.n, after: after / v.n };
}

/** One step: weight step, then controller step; all randomness from the state's stream. */
export function autohasStep(s: AutohasState): StepLog {
  const weight = weightStep(s, s.controller.sample(s.rng));
  const controller = controllerStep(s, s.controller.sample(s.rng));
  s.step++;
  return { step: s.step, weight, controller };
}
