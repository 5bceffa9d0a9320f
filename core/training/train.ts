// The deterministic child trainer: seeded init, project-owned shuffling, a step or epoch budget,
// a wall-clock guard that only cuts short, NaN detection, checkpoint/resume and model export.
import { gatherRows } from '../data/batch.js';
import type { LoadedDataset, Split } from '../data/dataset.js';
import { DatasetError } from '../data/dataset.js';
import { loadDataset, type ReadBytes } from '../data/load.js';
import { type BuiltModel, buildModel, splitHead } from '../network/build.js';
import { InfeasibleArchError } from '../network/mobile-cnn.js';
import { quantizeChild } from '../quantize/model.js';
import { Rng, type RngState } from '../rng.js';
import type { Hyperparameters, NetworkArch } from '../space/types.js';
import { childBudget, childRecipe } from '../spec/plan.js';
import type { DatasetSpec, TrainingSpec } from '../spec/schema.js';
import type { Store } from '../store/store.js';
import { accuracyOf } from './accuracy.js';
import { augmentBatch } from './augment.js';
import { type BackendChoice, initBackend, type Tf, tf } from './backend.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { saveModelToStore, saveQuantizedToStore } from './model-io.js';
import './kernels/index.js';
import { crossEntropy } from './loss.js';
import { ChildOptimizer } from './optimizer.js';
import { learningRateAt } from './schedule.js';
import type { TrainResult } from './types.js';

type Tensor = ReturnType<Tf['tensor']>;
type Variable = ReturnType<Tf['variable']>;
type LayersModel = ReturnType<Tf['model']>;

export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  elapsedSeconds: number;
}

export interface TrainChildInput {
  arch: NetworkArch;
  hyperparameters: Hyperparameters;
  /** A spec (loaded here, split with `seed`) or an already loaded dataset (shared by many children). */
  dataset: DatasetSpec | LoadedDataset;
  training: TrainingSpec;
  /**
   * Builds the network in place of `arch`, e.g. a fixed reference model that benchmarks train with
   * this same loop. It must be seeded by `seed` as buildModel is.
   */
  buildNetwork?: (shape: readonly [number, number, number], numClasses: number, seed: number) => BuiltModel;
  /** Seeds initializers and shuffling. */
  seed: number;
  /** Bits per weight of the post-training quantized copy scored beside the fp32 model (default 8). */
  weightBits?: number;
  /**
   * Score the post-training quantized copy too (default true). Tables that record fp32 accuracy
   * only skip it: it costs more than a short proxy's training. Needs true when saving the model.
   */
  scoreQuantized?: boolean;
  /**
   * Seeds the train/validation/test split when `dataset` is a spec. Keep it the same for every
   * child of a search (e.g. the strategy seed) so their accuracies are measured on the same data.
   */
  dataSeed?: number;
  signal?: AbortSignal;
  /** Reads s3:// dataset URIs. */
  readBytes?: ReadBytes;
  backend?: BackendChoice;
  /** Checkpoint every `everySteps` steps and when cut short; resume from `prefix` if one is there. */
  checkpoint?: { store: Store; prefix: string; everySteps?: number };
  /**
   * Train one chunk of a long child: from the checkpoint up to the next multiple of `chunkSteps`
   * (fixed boundaries, whatever the history of retries), checkpoint, and return not done; the
   * next call resumes there. Needs `checkpoint`.
   */
  chunkSteps?: number;
  /** Save the trained model (tfjs format) under this prefix. */
  saveModel?: { store: Store; prefix: string };
  onProgress?: (p: TrainProgress) => void;
  /** How often onProgress is called, in steps (default 10). */
  progressEvery?: number;
}

// Children of one search share a dataset: keep the last few loaded ones (they are not mutated).
const datasetCache = new Map<string, Promise<LoadedDataset>>();
const DATASET_CACHE_SIZE = 2;

function loadCached(
  spec: DatasetSpec,
  seed: number,
  readBytes: ReadBytes | undefined,
): Promise<LoadedDataset> {
  const key = JSON.stringify([spec, seed]);
  let p = datasetCache.get(key);
  if (!p) {
    p = loadDataset(spec, { seed, readBytes });
    p.catch(() => datasetCache.delete(key));
    datasetCache.set(key, p);
    while (datasetCache.size > DATASET_CACHE_SIZE) datasetCache.delete(datasetCache.keys().next().value!);
  }
  return p;
}

function isLoaded(d: DatasetSpec | LoadedDataset): d is LoadedDataset {
  return (d as LoadedDataset).train !== undefined;
}

/** The stream a child's batch order is drawn from. */
export function shuffleStream(seed: number): RngState {
  return Rng.fromSeed(`shuffle:${seed}`).state();
}

/** The order of the training examples in epoch `epoch`: a permutation drawn from the stream split by epoch. */
export function epochOrder(stream: RngState, epoch: number, n: number): number[] {
  return Rng.fromState(stream)
    .split(`epoch:${epoch}`)
    .shuffle(Array.from({ length: n }, (_, i) => i));
}

/** Batches in a seeded order (epochOrder); an epoch's leftover examples are not used. */
class BatchSampler {
  private epoch = -1;
  private perm: number[] = [];
  private readonly per: number;
  private readonly xBuf: Float32Array;
  private readonly yBuf: Int32Array;

  constructor(
    private readonly split: Split,
    shape: readonly [number, number, number],
    readonly batchSize: number,
    private readonly stepsPerEpoch: number,
    readonly rngState: RngState,
  ) {
    this.per = shape[0] * shape[1] * shape[2];
    this.xBuf = new Float32Array(batchSize * this.per);
    this.yBuf = new Int32Array(batchSize);
  }

  batch(step: number): { x: Float32Array; y: Int32Array } {
    const e = Math.floor(step / this.stepsPerEpoch);
    if (e !== this.epoch) {
      this.epoch = e;
      this.perm = epochOrder(this.rngState, e, this.split.n);
    }
    const start = (step % this.stepsPerEpoch) * this.batchSize;
    gatherRows(this.split, this.per, this.perm, start, this.batchSize, this.xBuf, this.yBuf);
    return { x: this.xBuf, y: this.yBuf };
  }
}

/** Accuracy of the model on a whole split, in fixed-size batches (inference mode). */
export function evaluateAccuracy(
  model: LayersModel,
  split: Split,
  shape: readonly [number, number, number],
): number {
  return accuracyOf((x) => model.predict(x) as Tensor, split, shape);
}

/** Dropout on the pooled features: the model's two halves and this step's keep mask (scaled). */
export interface DropoutStep {
  featuresModel: LayersModel;
  classifier: { apply(x: Tensor): unknown };
  /** batch × features, each 0 or 1/(1-rate). */
  mask: Float32Array;
}

export interface StepOptions {
  labelSmoothing?: number;
  dropout?: DropoutStep;
}

/**
 * One optimizer step on a batch (x NHWC, y class indices); returns the loss. A non-finite loss
 * leaves the weights untouched.
 */
export function trainStep(
  logitsModel: LayersModel,
  vars: readonly Variable[],
  opt: ChildOptimizer,
  x: Float32Array,
  y: Int32Array,
  shape: readonly [number, number, number],
  numClasses: number,
  options: StepOptions = {},
): number {
  return tf.tidy(() => {
    const xb = tf.tensor4d(x, [y.length, ...shape]);
    const yb = tf.tensor1d(y, 'int32');
    const d = options.dropout;
    const logits = (): Tensor => {
      if (!d) return logitsModel.apply(xb, { training: true }) as Tensor;
      const f = d.featuresModel.apply(xb, { training: true }) as Tensor;
      const mask = tf.tensor2d(d.mask, [y.length, d.mask.length / y.length]);
      return d.classifier.apply(tf.mul(f, mask)) as Tensor;
    };
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(logits(), yb, numClasses, options.labelSmoothing ?? 0),
      [...vars],
    );
    const lossValue = value.dataSync()[0]!;
    if (Number.isFinite(lossValue)) opt.apply(vars.map((v) => grads[v.name]!));
    return lossValue;
  });
}

/** Fills `mask` with a seeded dropout keep mask: 0 with probability `rate`, else 1/(1-rate). */
export function dropoutMask(mask: Float32Array, rate: number, rng: Rng): Float32Array {
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : keep;
  return mask;
}

/** The tf.Variables under a model's weights, and whether each is a kernel (decayed). */
export function trainables(model: LayersModel): { vars: Variable[]; decayed: boolean[] } {
  const vars: Variable[] = [];
  const decayed: boolean[] = [];
  for (const w of model.trainableWeights) {
    vars.push(w.read() as Variable);
    decayed.push(/kernel/.test(w.originalName));
  }
  return { vars, decayed };
}

function emptyResult(backend: string, params = 0, macs = 0): TrainResult {
  return {
    status: 'failed',
    testAccuracy: 0,
    valAccuracy: 0,
    trainSeconds: 0,
    examplesPerSec: 0,
    stepsDone: 0,
    params,
    macs,
    backend,
  };
}

/** What one chunk of a long child returns: the child's result, or how far it got. */
export type ChunkResult =
  | { done: true; result: TrainResult }
  | { done: false; stepsDone: number; totalSteps: number };

/**
 * Trains one child and scores it. A bad child (infeasible arch, NaN loss, any tfjs error) gives
 * status 'failed' with a reason; a bad dataset throws DatasetError (it would fail every child).
 */
export async function trainChild(input: TrainChildInput): Promise<TrainResult> {
  const r = await trainChildChunk({ ...input, chunkSteps: undefined });
  if (!r.done) throw new Error('trainChild: a whole child ended incomplete');
  return r.result;
}

/** Trains one chunk of a child (see `chunkSteps`) from its checkpoint, or the whole child. */
export async function trainChildChunk(input: TrainChildInput): Promise<ChunkResult> {
  if (input.chunkSteps !== undefined && !input.checkpoint)
    throw new Error('a chunked child needs a checkpoint store');
  if (input.scoreQuantized === false && input.saveModel)
    throw new Error('trainChild: saveModel needs scoreQuantized (the int8 model is saved too)');
  const backend = (await initBackend(input.backend)).name;
  const data = isLoaded(input.dataset)
    ? input.dataset
    : await loadCached(input.dataset, input.dataSeed ?? 0, input.readBytes);
  const result = emptyResult(backend);
  const disposables: { dispose(): void }[] = [];
  try {
    return await trainLoop(input, data, result, disposables);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    result.status = 'failed';
    result.reason =
      e instanceof InfeasibleArchError
        ? `infeasible architecture: ${e.message}`
        : `training error: ${(e as Error).message}`;
    return { done: true, result };
  } finally {
    for (const d of disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // already disposed through a shared layer
      }
    }
  }
}

async function trainLoop(
  input: TrainChildInput,
  data: LoadedDataset,
  result: TrainResult,
  disposables: { dispose(): void }[],
): Promise<ChunkResult> {
  const hp = input.hyperparameters;
  if (!(hp.learningRate > 0) || !Number.isFinite(hp.learningRate))
    throw new Error(`learningRate must be > 0, got ${hp.learningRate}`);
  const { model, logitsModel, summary } = input.buildNetwork
    ? input.buildNetwork(data.shape, data.numClasses, input.seed)
    : buildModel(input.arch, data.shape, data.numClasses, input.seed);
  disposables.push(model, logitsModel);
  const recipe = childRecipe(input.training, hp);
  const head = recipe.dropout > 0 ? splitHead(model) : undefined;
  // Disposed last: disposing it first would free the shared layers before the full model frees its classifier.
  if (head) disposables.unshift(head.featuresModel);
  result.params = summary.params;
  result.macs = summary.macs;
  const { batchSize, stepsPerEpoch, steps: totalSteps } = childBudget(input.training, hp, data.train.n);
  const { vars, decayed } = trainables(model);
  const opt = new ChildOptimizer(hp.optimizer, hp.learningRate, hp.weightDecay, vars, decayed);
  disposables.push(opt);

  let step = 0;
  let secondsBefore = 0;
  let rngState: RngState = shuffleStream(input.seed);
  const ck = input.checkpoint;
  const fingerprint = JSON.stringify([
    input.arch,
    hp,
    recipe,
    input.seed,
    data.uri,
    data.train.n,
    totalSteps,
  ]);
  if (ck) {
    const saved = await loadCheckpoint(ck.store, ck.prefix);
    if (saved) {
      if (saved.fingerprint !== fingerprint)
        throw new Error(`checkpoint at ${ck.prefix} belongs to a different child or budget`);
      model.setWeights(saved.weights);
      opt.setState(saved.optimizer, saved.optimizerSteps);
      for (const t of [...saved.weights, ...saved.optimizer]) t.dispose();
      step = saved.step;
      rngState = saved.rngState;
      secondsBefore = saved.trainSeconds ?? 0;
    }
  }
  const checkpointNow = async (): Promise<void> => {
    if (!ck) return;
    const c: Checkpoint = {
      fingerprint,
      step,
      rngState,
      optimizerSteps: opt.t,
      weights: model.getWeights(),
      optimizer: opt.state(),
      trainSeconds: secondsBefore + elapsed(),
    };
    try {
      await saveCheckpoint(ck.store, ck.prefix, c);
    } finally {
      for (const t of c.optimizer) t.dispose();
    }
  };

  const sampler = new BatchSampler(data.train, data.shape, batchSize, stepsPerEpoch, rngState);
  const augment = {
    augment: recipe.augment,
    cropPadding: recipe.cropPadding,
    // Padding is a zero pixel, normalized like the rest (as padding before Normalize in torchvision).
    padValue: data.normalization.mean.map((m, c) => -m / data.normalization.std[c]!),
  };
  const scratch = new Float32Array(data.shape[0] * data.shape[1] * data.shape[2]);
  const mask = head
    ? new Float32Array(batchSize * ((head.featuresModel.outputs[0]!.shape[1] as number | null) ?? 0))
    : undefined;
  const startStep = step;
  const maxSeconds = input.training.maxSeconds;
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const every = input.progressEvery ?? 10;
  const c = input.chunkSteps;
  const until = c === undefined ? totalSteps : Math.min(totalSteps, (Math.floor(step / c) + 1) * c);
  while (step < until) {
    if (input.signal?.aborted) {
      result.status = 'cutShort';
      result.reason = `aborted at step ${step} of ${totalSteps}`;
      break;
    }
    if (elapsed() > maxSeconds) {
      result.status = 'cutShort';
      result.reason = `maxSeconds ${maxSeconds} reached at step ${step} of ${totalSteps}`;
      break;
    }
    const { x, y } = sampler.batch(step);
    // Every per-step draw comes from a stream fixed by the child's seed and the step alone, so a
    // resumed child draws exactly what an unchunked one would.
    const stepRng = Rng.fromSeed(`recipe:${input.seed}`).split(step);
    augmentBatch(x, y.length, data.shape, augment, stepRng.split('augment'), scratch);
    opt.learningRate = learningRateAt(hp.learningRate, step, totalSteps, recipe);
    const loss = trainStep(logitsModel, vars, opt, x, y, data.shape, data.numClasses, {
      labelSmoothing: recipe.labelSmoothing,
      ...(head && mask
        ? { dropout: { ...head, mask: dropoutMask(mask, recipe.dropout, stepRng.split('dropout')) } }
        : {}),
    });
    if (!Number.isFinite(loss)) {
      result.status = 'failed';
      result.reason = `loss became ${loss} at step ${step}; learning rate ${hp.learningRate} may be too high`;
      result.stepsDone = step;
      result.trainSeconds = secondsBefore + elapsed();
      return { done: true, result };
    }
    step++;
    if (input.onProgress && (step % every === 0 || step === totalSteps))
      input.onProgress({ step, totalSteps, loss, elapsedSeconds: elapsed() });
    if (ck?.everySteps && step % ck.everySteps === 0 && step < totalSteps) await checkpointNow();
  }
  if (step < totalSteps && result.status !== 'cutShort') {
    // The end of a chunk: the next invocation resumes here.
    await checkpointNow();
    return { done: false, stepsDone: step, totalSteps };
  }
  const chunkSeconds = elapsed();
  result.trainSeconds = secondsBefore + chunkSeconds;
  result.stepsDone = step;
  const trained = (step - startStep) * batchSize;
  // This invocation's speed (earlier chunks may have run elsewhere).
  result.examplesPerSec = chunkSeconds > 0 ? trained / chunkSeconds : 0;
  if (result.status === 'cutShort') await checkpointNow();
  else result.status = 'ok';
  result.valAccuracy = evaluateAccuracy(model, data.val, data.shape);
  result.testAccuracy = evaluateAccuracy(model, data.test, data.shape);
  result.valExamples = data.val.n;
  result.testExamples = data.test.n;
  if (input.scoreQuantized === false) {
    if (input.saveModel)
      throw new Error('trainChild: saveModel needs scoreQuantized (the int8 model is saved too)');
    return { done: true, result };
  }
  // Scored as the integer accelerator would run it (int8 activations, per-channel weights).
  const quantized = quantizeChild(model, data, {
    weightBits: input.weightBits ?? 8,
    batches: input.training.calibrationBatches,
    batchSize,
    seed: input.seed,
  });
  result.quantized = quantized.score;
  if (input.saveModel && result.status === 'ok') {
    await saveQuantizedToStore(input.saveModel.store, input.saveModel.prefix, quantized.child);
    // The preprocessing travels with the model: inputs are (pixel - mean[c]) / std[c], NHWC.
    await saveModelToStore(model, input.saveModel.store, input.saveModel.prefix, {
      cosearch: {
        dataset: data.uri,
        inputShape: data.shape,
        numClasses: data.numClasses,
        ...data.normalization,
      },
    });
  }
  return { done: true, result };
}
