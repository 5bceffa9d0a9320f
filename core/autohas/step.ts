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
import { stageChoices } from '../space/stage-choices.js';
import type { NetworkArch, StageArch } from '../space/types.js';
import { SEARCH_SIMULATION_TIER } from '../spec/plan.js';
import { AutohasSpec, type NetworkSpace, type SearchSpec } from '../spec/schema.js';
import { tf } from '../training/backend.js';
import { crossEntropy } from '../training/loss.js';
import { learningRateAt } from '../training/schedule.js';
import { Batcher } from './batches.js';
import { AutohasController, type Draw } from './controller.js';
import type { HpMode } from './hp-bases.js';
import { hpBases } from './hp-bases.js';
import { SharedOptimizer } from './optimizer.js';
import { Supernet } from './supernet.js';

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
  /**
   * `constant`: a learning-rate basis is the rate of every weight and trial step. `cosine`: the
   * basis is the peak of a cosine decay over `scheduleSteps` (as a child's schedule), so the
   * rate at step t is basis × ½(1 + cos(π·t/T)). Default: the spec's autohas.hpSchedule.
   */
  hpSchedule?: 'constant' | 'cosine';
  /** T of the cosine schedule. Default: the spec's autohas.steps. */
  scheduleSteps?: number;
  /**
   * Optimizer steps of the temporary weights (on that many train batches) before they are scored;
   * then the shared weights and slots are restored. Default: the spec's autohas.lookahead (1,
   * AutoHAS's one trial step).
   */
  lookahead?: number;
  /**
   * What credits the hp decisions: `accuracy`, the trial's gain in validation accuracy (and in the
   * reward); `loss`, its drop in validation cross-entropy divided by the running RMS of the drops
   * of the same learning-rate basis (a large rate's gains are large and noisy, a small one's small
   * and steady: per-basis scaling compares them by their signal-to-noise ratio). Default: the
   * spec's autohas.hpReward (accuracy).
   */
  hpReward?: 'accuracy' | 'loss';
  /**
   * The sandwich rule (BigNAS): every weight step also trains the largest and the smallest
   * sub-network of the drawn one's block types and strides on the same batch, one update from
   * the summed gradients, so the shared weights every path slices from train on every step.
   * A weight step then costs up to three batches. Default: the spec's autohas.sandwich (false).
   */
  sandwich?: boolean;
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
  // The options the spec's autohas section has default to its values (their defaults live there).
  const a = AutohasSpec.parse(spec.autohas ?? {});
  // `??` per field: an explicit undefined (an absent spec setting) means the default.
  const o: ResolvedAutohasOptions = {
    hpMode: over.hpMode ?? 'sample',
    batchSize,
    hpStep: over.hpStep ?? 1,
    warmupSteps: over.warmupSteps ?? 0,
    valBatchSize: over.valBatchSize ?? batchSize,
    hpSchedule: over.hpSchedule ?? a.hpSchedule,
    scheduleSteps: over.scheduleSteps ?? a.steps,
    lookahead: over.lookahead ?? a.lookahead,
    hpReward: over.hpReward ?? a.hpReward,
    sandwich: over.sandwich ?? a.sandwich,
  };
  if (o.hpMode !== 'sample' && o.hpMode !== 'mix') throw new Error(`autohas: hpMode must be sample or mix`);
  for (const k of ['batchSize', 'valBatchSize'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1)
      throw new Error(`autohas: ${k} must be a whole number >= 1, got ${o[k]}`);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0)
    throw new Error(`autohas: warmupSteps must be a whole number >= 0, got ${o.warmupSteps}`);
  if (!(o.hpStep > 0)) throw new Error(`autohas: hpStep must be > 0, got ${o.hpStep}`);
  if (o.hpSchedule !== 'constant' && o.hpSchedule !== 'cosine')
    throw new Error(`autohas: hpSchedule must be constant or cosine, got ${o.hpSchedule}`);
  if (o.hpReward !== 'accuracy' && o.hpReward !== 'loss')
    throw new Error(`autohas: hpReward must be accuracy or loss, got ${o.hpReward}`);
  for (const k of ['scheduleSteps', 'lookahead'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1)
      throw new Error(`autohas: ${k} must be a whole number >= 1, got ${o[k]}`);
  if (o.hpMode === 'mix' && o.lookahead > 1)
    throw new Error('autohas: mix mode differentiates one trial step; lookahead must be 1');
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

/** The learning rate of a draw at the current step: its basis, times the schedule's factor. */
export function scheduledRate(s: AutohasState, basis: number): number {
  const o = s.options;
  if (o.hpSchedule === 'constant') return basis;
  const recipe = { schedule: 'cosine' as const, warmupFraction: 0, milestones: [], gamma: 1 };
  return learningRateAt(basis, Math.min(s.step, o.scheduleSteps), o.scheduleSteps, recipe);
}

/** Loss and gradients of `arch` on a batch w.r.t. the shared weights it touches. */
function gradsOn(s: AutohasState, arch: NetworkArch, x: tf.Tensor, y: tf.Tensor, smoothing = 0) {
  const vars = s.supernet.vars as tf.Variable[];
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(s.supernet.forward(arch, x).logits, y, s.data.numClasses, smoothing),
    vars,
  );
  const indices = vars.flatMap((v, i) => (grads[v.name] ? [i] : []));
  const list = indices.map((i) => grads[vars[i]!.name]!);
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, indices, grads: list };
}

/**
 * The largest (`max`) or smallest (`min`) sub-network with `arch`'s block types, strides and
 * squeeze-excite: every stage's kernel, expansion, filters and layers, the stem's filters and the
 * width multiplier at the extreme of the space's choices.
 */
export function extremeArch(net: NetworkSpace, arch: NetworkArch, which: 'max' | 'min'): NetworkArch {
  const pick = <T extends number>(xs: readonly T[]): T =>
    xs.reduce((a, b) => ((which === 'max' ? b > a : b < a) ? b : a));
  const stages = arch.stages.map((st, i): StageArch => {
    const c = stageChoices(net, i);
    const out: StageArch = {
      ...st,
      kernel: pick(c.kernel),
      filters: pick(c.filters),
      layers: pick(c.layers),
    };
    if (st.expansion !== undefined) out.expansion = pick(c.expansion);
    return out;
  });
  const width = net.widthMultiplier ? { widthMultiplier: pick(net.widthMultiplier) } : {};
  return { ...arch, stemFilters: pick(net.stemFilters), ...width, stages };
}

/** The sub-networks a weight step trains: the drawn one, and with the sandwich rule its extremes. */
function weightArchs(s: AutohasState, arch: NetworkArch): NetworkArch[] {
  if (!s.options.sandwich) return [arch];
  const net = s.spec.space.network;
  const all = [extremeArch(net, arch, 'max'), extremeArch(net, arch, 'min'), arch];
  const distinct = all.filter((a, i) => all.findIndex((b) => JSON.stringify(b) === JSON.stringify(a)) === i);
  // An extreme that does not fit the input is left out; the drawn arch was checked by the caller.
  return distinct.filter((a) => a === arch || typeof trySummary(s, a) !== 'string');
}

export function weightStep(s: AutohasState, d: Draw): StepLog['weight'] {
  const archId = d.candidate.id;
  const summary = trySummary(s, d.candidate.network);
  if (typeof summary === 'string') return { archId, skipped: summary };
  const b = s.train.next();
  const summed = new Map<number, tf.Tensor>();
  let loss = 0;
  for (const arch of weightArchs(s, d.candidate.network)) {
    const g = gradsOn(s, arch, b.x, b.y, d.hp.labelSmoothing);
    g.indices.forEach((i, j) => {
      const old = summed.get(i);
      summed.set(i, old ? tf.add(old, g.grads[j]!) : g.grads[j]!);
      if (old) tf.dispose([old, g.grads[j]!]);
    });
    // The drawn arch comes last: its loss is the one logged.
    loss = g.loss;
    s.trainExamples += b.n;
  }
  const indices = [...summed.keys()].sort((x, y) => x - y);
  const grads = indices.map((i) => summed.get(i)!);
  s.optimizer.apply(indices, grads, scheduledRate(s, d.hp.learningRate), d.hp.weightDecay);
  tf.dispose([b.x, b.y, ...grads]);
  return { archId, loss };
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
  const t = trialScores(s, d, learn);
  const score = (accuracy: number) =>
    computeReward({ accuracy, ...metrics }, s.spec.objectives, s.spec.reward);
  const r = score(t.after);
  const lrToken = d.tokens[s.space.indexOf('hyperparameters.learningRate')] ?? 0;
  return {
    scores: { accuracy: t.after, accuracyBefore: t.before, ...metrics },
    reward: r.reward,
    feasible: r.feasible,
    hpGain:
      s.options.hpReward === 'loss'
        ? s.controller.scaledGain(lrToken, t.lossBefore - t.lossAfter)
        : r.reward - score(t.before).reward,
  };
}

/**
 * The temporary weights: `lookahead` steps of the shared weights' own optimizer (Adam or SGD with
 * momentum, from its current slots) with the drawn hp, on train batches; then their accuracy and
 * loss on a validation batch, beside the shared weights' own on the same batch. The shared weights
 * and slots do not change: one step is `preview`ed on copies (as in AutoHAS), several are applied
 * and rolled back. In `mix` mode (`learn`) the validation loss is also differentiated through
 * that one step to the mixed learning rate and weight decay, and the hp logits descend it.
 */
function trialScores(
  s: AutohasState,
  d: Draw,
  learn: boolean,
): { before: number; after: number; lossBefore: number; lossAfter: number } {
  const arch = d.candidate.network;
  const { weightDecay: wd, labelSmoothing: ls } = d.hp;
  const lr = scheduledRate(s, d.hp.learningRate);
  const b = s.train.next();
  const g = gradsOn(s, arch, b.x, b.y, ls);
  s.trainExamples += b.n;
  const names = g.indices.map((i) => s.supernet.specs[i]!.name);
  const withTemps = (ts: readonly tf.Tensor[]) => new Map(names.map((n, j) => [n, ts[j]!]));
  const v = s.val.next();
  const scored = (logits: tf.Tensor) => {
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), v.y), 'int32')).dataSync()[0]!;
    const loss = crossEntropy(logits, v.y, s.data.numClasses).dataSync()[0]!;
    return { correct, loss };
  };
  const before = tf.tidy(() => scored(s.supernet.forward(arch, v.x).logits));
  let after: { correct: number; loss: number };
  if (s.options.lookahead === 1)
    after = tf.tidy(() => {
      const temps = s.optimizer.preview(g.indices, g.grads, lr, wd);
      return scored(s.supernet.forwardWith(withTemps(temps), arch, v.x).logits);
    });
  else after = lookahead(s, d, g, lr, () => tf.tidy(() => scored(s.supernet.forward(arch, v.x).logits)));
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
    // The rate is the basis times the schedule's factor: chain rule back to the basis.
    const factor = d.hp.learningRate > 0 ? lr / d.hp.learningRate : 1;
    s.controller.descendMixed('learningRate', dLr! * factor, s.options.hpStep);
    s.controller.descendMixed('weightDecay', dWd!, s.options.hpStep);
  }
  tf.dispose([b.x, b.y, v.x, v.y, ...g.grads]);
  return {
    before: before.correct / v.n,
    after: after.correct / v.n,
    lossBefore: before.loss,
    lossAfter: after.loss,
  };
}

/**
 * k real optimizer steps of the drawn sub-network (the first from the gradients already taken,
 * the others on fresh train batches), scored by `score`, then rolled back: the touched weights,
 * their optimizer slots and step counts are restored exactly.
 */
function lookahead<T>(
  s: AutohasState,
  d: Draw,
  first: { indices: number[]; grads: tf.Tensor[] },
  lr: number,
  score: () => T,
): T {
  const opt = s.optimizer;
  const n = opt.vars.length;
  const idx = first.indices;
  const copies = opt.slots.length / n;
  const slotIdx = idx.flatMap((i) => Array.from({ length: copies }, (_, c) => c * n + i));
  const saved = {
    vars: idx.map((i) => tf.clone(opt.vars[i]!)),
    slots: slotIdx.map((c) => tf.clone(opt.slots[c]!)),
    steps: [...opt.steps],
  };
  try {
    opt.apply(idx, first.grads, lr, d.hp.weightDecay);
    for (let k = 1; k < s.options.lookahead; k++) {
      const b = s.train.next();
      const g = gradsOn(s, d.candidate.network, b.x, b.y, d.hp.labelSmoothing);
      opt.apply(g.indices, g.grads, lr, d.hp.weightDecay);
      tf.dispose([b.x, b.y, ...g.grads]);
      s.trainExamples += b.n;
    }
    return score();
  } finally {
    idx.forEach((i, j) => {
      opt.vars[i]!.assign(saved.vars[j]!);
    });
    slotIdx.forEach((c, j) => {
      opt.slots[c]!.assign(saved.slots[j]!);
    });
    opt.steps = saved.steps;
    tf.dispose([...saved.vars, ...saved.slots]);
  }
}

/**
 * A warm-up step that only trains the shared weights (no trial step, no controller step): a
 * third or a quarter of a full step's cost, for a driver that spends a warm-up budget on weights
 * alone. The controller is untouched; its baselines start at the first full step.
 */
export function warmupStep(s: AutohasState): StepLog['weight'] {
  const weight = weightStep(s, s.controller.sample(s.rng));
  s.step++;
  return weight;
}

/** One step: weight step, then controller step; all randomness from the state's stream. */
export function autohasStep(s: AutohasState): StepLog {
  const weight = weightStep(s, s.controller.sample(s.rng));
  const controller = controllerStep(s, s.controller.sample(s.rng));
  s.step++;
  return { step: s.step, weight, controller };
}
