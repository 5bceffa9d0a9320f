// The one schema for a search. Every external input that describes a search goes through it.
// Objects are strict (unknown fields rejected) and every number is bounded.
import { z } from 'zod';
import { TechnologySpec } from '../accelerator/technology.js';
import { BUILTIN_DATASETS, builtinDataset } from '../data/builtins.js';
import { LOOP_LIMITS } from '../engine/limits.js';
import { MAX_WIDTH_MULTIPLIER } from '../network/mobile-cnn.js';
import { tryParseS3Uri } from '../store/s3-uri.js';

export const SPEC_VERSION = 1;

const MAX_CHOICES = 64;

/** A non-empty, bounded list of distinct categorical values (duplicates would make two tokens one candidate). */
function choices<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .min(1, { message: 'must list at least one choice' })
    .max(MAX_CHOICES)
    .refine((xs) => new Set(xs).size === xs.length, { message: 'choices must be distinct' });
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);

// ---------- dataset ----------

export const DatasetUri = z
  .string()
  .min(1)
  .max(2048)
  .refine((u) => /^(builtin:[a-z0-9-]+|file:\/\/.+)$/.test(u) || tryParseS3Uri(u) !== undefined, {
    message: `unsupported dataset URI: use ${Object.keys(BUILTIN_DATASETS).join(', ')}, file://PATH or s3://BUCKET/KEY`,
  });

const Fraction = z.number().gt(0).lt(1);
const FileFormat = z.enum(['csv', 'idx', 'cifar10']);

/** A dataset has its own test set: `test` given, a builtin that ships one, or a CIFAR-10 directory. */
export function hasOwnTestSet(d: { uri: string; format: string; test?: unknown }): boolean {
  return (
    d.test !== undefined ||
    builtinDataset(d.uri)?.testExamples !== undefined ||
    (d.format === 'cifar10' && d.uri.endsWith('/'))
  );
}

export const DatasetSpec = z
  .strictObject({
    uri: DatasetUri.default('builtin:digits'),
    /** cifar10: the binary version; a URI ending in / is the directory of data_batch_{1..5}.bin and test_batch.bin. */
    format: z.enum(['builtin', 'csv', 'idx', 'cifar10']).default('builtin'),
    /** Image shape [height, width, channels] for csv datasets; the other formats know theirs. */
    shape: z.tuple([int(1, 512), int(1, 512), int(1, 16)]).optional(),
    numClasses: int(2, 100_000).optional(),
    /** csv: index of the label column (default: last). */
    labelColumn: int(0, 1_000_000).optional(),
    /** The dataset's own test set (format: the dataset's unless given); validation is then taken from `uri`. */
    test: z.strictObject({ uri: DatasetUri, format: FileFormat.optional() }).optional(),
    /**
     * Fractions of the examples in `uri`. Without a test set of its own: train + validation + test = 1
     * (default 0.7/0.15/0.15). With one: train + validation = 1 (default 0.9/0.1), no test.
     */
    splits: z.strictObject({ train: Fraction, validation: Fraction, test: Fraction.optional() }).optional(),
    /** Cap on training samples for proxy training. */
    maxTrainSamples: int(10, 10_000_000).optional(),
  })
  .superRefine((d, ctx) => {
    const builtin = d.uri.startsWith('builtin:');
    if (builtin && !builtinDataset(d.uri))
      ctx.addIssue({
        code: 'custom',
        path: ['uri'],
        message: `unknown builtin dataset ${d.uri} (known: ${Object.keys(BUILTIN_DATASETS).join(', ')})`,
      });
    if (DatasetUri.safeParse(d.uri).success && builtin !== (d.format === 'builtin'))
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: 'format "builtin" goes with builtin: URIs only',
      });
    if (builtin && d.test)
      ctx.addIssue({ code: 'custom', path: ['test'], message: 'builtin datasets bring their own splits' });
    const csv = d.format === 'csv' || d.test?.format === 'csv';
    if (csv && !d.shape)
      ctx.addIssue({ code: 'custom', path: ['shape'], message: 'csv datasets need shape [h, w, c]' });
    const s = d.splits;
    if (!s) return;
    if (hasOwnTestSet(d)) {
      if (s.test !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['splits', 'test'],
          message: 'this dataset has its own test set: give splits as {train, validation}',
        });
      else if (Math.abs(s.train + s.validation - 1) > 1e-9)
        ctx.addIssue({ code: 'custom', path: ['splits'], message: 'train + validation must sum to 1' });
    } else if (s.test === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['splits', 'test'],
        message: 'give a test fraction, or a test set of its own in dataset.test',
      });
    else if (Math.abs(s.train + s.validation + s.test - 1) > 1e-9)
      ctx.addIssue({ code: 'custom', path: ['splits'], message: 'train + validation + test must sum to 1' });
  })
  .transform((d) => ({
    ...d,
    splits:
      d.splits ??
      (hasOwnTestSet(d) ? { train: 0.9, validation: 0.1 } : { train: 0.7, validation: 0.15, test: 0.15 }),
  }));

// ---------- network space ----------

export const BlockType = z.enum(['mbconv', 'fused-mbconv', 'conv']);
export type BlockType = z.infer<typeof BlockType>;

const KernelChoices = choices(z.union([z.literal(3), z.literal(5), z.literal(7)]));
const StrideChoices = choices(z.union([z.literal(1), z.literal(2)]));

/** The per-stage fields, one schema each, shared by the space-wide lists and the perStage overrides. */
const stageFields = {
  blockType: choices(BlockType),
  kernel: KernelChoices,
  expansion: choices(z.union([z.literal(1), z.literal(3), z.literal(6)])),
  filters: choices(int(1, 1024)),
  layers: choices(int(1, 8)),
  squeezeExcite: choices(z.boolean()),
  stride: StrideChoices,
};

/** One stage's own choices; a field it leaves out takes the space-wide list of the same name. */
export const StageSpace = z.strictObject({
  blockType: stageFields.blockType.optional(),
  kernel: stageFields.kernel.optional(),
  expansion: stageFields.expansion.optional(),
  filters: stageFields.filters.optional(),
  layers: stageFields.layers.optional(),
  squeezeExcite: stageFields.squeezeExcite.optional(),
  stride: stageFields.stride.optional(),
});

/**
 * The mobile-cnn space: a stem conv, `stages` stages of repeated blocks, a pooled classifier.
 * Each stage field (blockType ... stride) is one list every stage chooses from; `perStage` gives
 * stages their own lists (NAHAS/MnasNet-style per-stage spaces), one entry per stage, `{}` for a
 * stage that keeps the shared lists. The stem and width fields are decisions only when given.
 */
export const NetworkSpace = z
  .strictObject({
    template: z.literal('mobile-cnn').default('mobile-cnn'),
    stages: int(1, 8).default(2),
    stemFilters: choices(int(1, 512)).default([16]),
    /** Stem conv kernel; omitted means 3 and is no decision. */
    stemKernel: KernelChoices.optional(),
    /** Stem conv stride; omitted means 1 and is no decision. */
    stemStride: StrideChoices.optional(),
    /**
     * Scales the stem's and every stage's filters, MobileNet-style: a multiplier other than 1 gives
     * the nearest multiple of 8 at or above 90% of filters × multiplier, and at least 8
     * (core/network/mobile-cnn.ts scaledWidth); 1 keeps the filters as given. Omitted: no decision.
     */
    widthMultiplier: choices(z.number().gt(0).max(MAX_WIDTH_MULTIPLIER)).optional(),
    blockType: stageFields.blockType.default(['mbconv', 'fused-mbconv', 'conv']),
    kernel: stageFields.kernel.default([3, 5]),
    expansion: stageFields.expansion.default([1, 3, 6]),
    filters: stageFields.filters.default([16, 24, 32]),
    layers: stageFields.layers.default([1, 2]),
    squeezeExcite: stageFields.squeezeExcite.default([false, true]),
    stride: stageFields.stride.default([1, 2]),
    /** Per-stage choices, exactly one entry per stage (`{}` keeps the shared lists for that stage). */
    perStage: z.array(StageSpace).min(1).max(8).optional(),
  })
  // A bad stages already has its own issue.
  .refine(
    (n) =>
      n.perStage === undefined ||
      !(Number.isInteger(n.stages) && n.stages >= 1 && n.stages <= 8) ||
      n.perStage.length === n.stages,
    {
      path: ['perStage'],
      error: (iss) => {
        const n = iss.input as { stages: number; perStage: unknown[] };
        return `perStage lists ${n.perStage.length} stage(s) but stages is ${n.stages}: give one entry per stage ({} keeps the shared choices)`;
      },
    },
  );

// ---------- accelerator space ----------

export const Dataflow = z.enum(['os', 'ws', 'is']);
export type Dataflow = z.infer<typeof Dataflow>;

/**
 * Bits per weight of the MAC datapath (activations stay 8-bit): a 4-bit multiplier is smaller and
 * cheaper and a kB of weight memory holds twice the weights, at the cost of the quantized
 * accuracy. Omitted means 8 and is no decision.
 */
const WeightBitsChoices = choices(z.union([z.literal(8), z.literal(4)])).optional();

/**
 * The energy and area table (core/accelerator/technology.ts): "45nm" (Horowitz; the default when
 * omitted), "22nm" (scaled, sources in the table), or {base, ...fields to override}. Not a
 * decision: one table for the whole search.
 */
const TechnologyChoice = TechnologySpec.optional();

export const SystolicSpace = z.strictObject({
  template: z.literal('systolic'),
  rows: choices(int(1, 1024)).default([8, 16, 32]),
  cols: choices(int(1, 1024)).default([8, 16, 32]),
  dataflow: choices(Dataflow).default(['os', 'ws', 'is']),
  ifmapSramKB: choices(int(1, 65_536)).default([64, 256]),
  filterSramKB: choices(int(1, 65_536)).default([64, 256]),
  ofmapSramKB: choices(int(1, 65_536)).default([32, 128]),
  /** Off-chip bandwidth in words per cycle; omitted means SCALE-Sim CALC mode. */
  bandwidthWordsPerCycle: choices(int(1, 4096)).optional(),
  weightBits: WeightBitsChoices,
  clockMHz: int(10, 10_000).default(1000),
  technology: TechnologyChoice,
});

const PeGrid = choices(z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(6), z.literal(8)]));

/**
 * The NAHAS template. The defaults span every value the bounds allow (the NAHAS template's
 * ranges): from one PE of 16 MACs (16 MACs/cycle) to 8×8 PEs of 8 lanes × 128 (65,536 MACs/cycle),
 * so a Fashion-MNIST-sized child meets both compute-bound and over-provisioned chips, and the
 * register file (8–128 KB) straddles the weight tiles simd·k²·c of such children. Local memory
 * costs area and pays off only when weights or activations would otherwise spill to DRAM. I/O
 * bandwidth and the clock stay single values by default: the technology table prices neither in
 * area nor energy, so a search over them would always pick the largest; list them (the clock as
 * choices) when they are priced or fixed by the target. core/accelerator/README.md has the why.
 */
export const PeArraySpace = z.strictObject({
  template: z.literal('pe-array'),
  pesX: PeGrid.default([1, 2, 4, 6, 8]),
  pesY: PeGrid.default([1, 2, 4, 6, 8]),
  simdUnits: choices(int(16, 128)).default([16, 32, 64, 128]),
  computeLanes: choices(int(1, 8)).default([1, 2, 4, 8]),
  localMemoryMB: choices(z.number().min(0.5).max(4)).default([0.5, 1, 2, 3, 4]),
  registerFileKB: choices(int(8, 128)).default([8, 16, 32, 64, 128]),
  ioBandwidthGBps: choices(z.number().min(1).max(1024)).default([16]),
  weightBits: WeightBitsChoices,
  /** One clock (no decision), or a list of clocks to search (decision `accelerator.clockMHz`). */
  clockMHz: z
    .union([int(10, 10_000), choices(int(10, 10_000))], {
      error: (iss) =>
        iss.code === 'invalid_union' ? 'expected a clock in MHz (10 to 10000) or a list of them' : undefined,
    })
    .default(800),
  technology: TechnologyChoice,
});

export const AcceleratorSpace = z.discriminatedUnion('template', [SystolicSpace, PeArraySpace], {
  error: (iss) =>
    iss.code === 'invalid_union' ? 'unknown accelerator template: use "systolic" or "pe-array"' : undefined,
});

// ---------- hyper-parameters ----------

/** Continuous range turned into k categorical bases (log-spaced when scale is log). */
export const BasisRange = z
  .strictObject({
    min: z.number().min(0).max(1e3),
    max: z.number().min(0).max(1e3),
    bases: int(2, 32),
    scale: z.enum(['log', 'linear']).default('log'),
  })
  .refine((r) => r.min < r.max, { message: 'min must be below max', path: ['min'] })
  .refine((r) => r.scale === 'linear' || r.min > 0, {
    message: 'log scale needs min > 0',
    path: ['min'],
  });

const numericHp = (item: z.ZodNumber) =>
  z.union([choices(item), BasisRange], {
    error: (iss) =>
      iss.code === 'invalid_union' ? 'expected a list of values or {min, max, bases, scale?}' : undefined,
  });

// ---------- training recipe ----------

export const LR_SCHEDULES = ['constant', 'cosine', 'step'] as const;
export const AUGMENTATIONS = ['none', 'crop', 'flip', 'crop+flip'] as const;
export type LrScheduleName = (typeof LR_SCHEDULES)[number];
export type Augmentation = (typeof AUGMENTATIONS)[number];

/** The parts of a training recipe a search may also decide per candidate (space.hyperparameters). */
const recipeHp = {
  /** Learning-rate schedule after warm-up. */
  schedule: z.enum(LR_SCHEDULES),
  /** Share of the child's steps spent warming the learning rate up linearly. */
  warmupFraction: z.number().min(0).max(0.5),
  /** Label smoothing of the cross-entropy (0: none). */
  labelSmoothing: z.number().min(0).max(0.5),
  /** Dropout rate on the pooled features, before the classifier (0: none). */
  dropout: z.number().min(0).max(0.9),
  /** Seeded augmentation of training batches: random crop with padding, horizontal flip. */
  augment: z.enum(AUGMENTATIONS),
};

export const HyperparameterSpace = z.strictObject({
  learningRate: numericHp(z.number().gt(0).max(10)).default([0.003, 0.01]),
  weightDecay: numericHp(z.number().min(0).max(1)).default([0, 1e-4]),
  optimizer: choices(z.enum(['adam', 'sgd'])).default(['adam']),
  batchSize: choices(int(1, 4096)).default([32]),
  /** Epochs per child; when given, it overrides training.steps for that child. */
  epochs: choices(int(1, 1000)).optional(),
  // Recipe decisions: when given, they override the training setting of the same name.
  schedule: choices(recipeHp.schedule).optional(),
  warmupFraction: choices(recipeHp.warmupFraction).optional(),
  labelSmoothing: choices(recipeHp.labelSmoothing).optional(),
  dropout: choices(recipeHp.dropout).optional(),
  augment: choices(recipeHp.augment).optional(),
});

export const Space = z.strictObject({
  network: NetworkSpace.default(() => NetworkSpace.parse({})),
  accelerator: AcceleratorSpace.default(() => SystolicSpace.parse({ template: 'systolic' })),
  hyperparameters: HyperparameterSpace.default(() => HyperparameterSpace.parse({})),
});

// ---------- objectives and reward ----------

const Objective = (direction: 'max' | 'min') =>
  z.strictObject({
    direction: z.literal(direction).default(direction),
    /** Reward target T_m; omitted means the objective is reported but not in the reward. */
    target: z.number().gt(0).max(1e12).optional(),
    /** Hard limit: a candidate past it is infeasible and never trained. */
    limit: z.number().gt(0).max(1e12).optional(),
    /** soft: alpha = beta = -weight; hard: alpha = 0, beta = -1 (MnasNet). */
    mode: z.enum(['soft', 'hard']).default('soft'),
    weight: z.number().min(0).max(10).default(0.07),
    /** lambda for the relu-penalty form. */
    penalty: z.number().min(0).max(1e3).default(1),
  });

export const Objectives = z.strictObject({
  accuracy: Objective('max')
    .extend({
      /**
       * Which accuracy the reward, the limit and the Pareto front use: the fp32 model's, or the
       * quantized model's (int8 activations, weights at the accelerator's weightBits), the one the
       * accelerator would compute. Omitted: quantized when the accelerator template computes in
       * integers (both templates do), fp32 otherwise (core/search/outcome.ts decides).
       */
      source: z.enum(['fp32', 'quantized']).optional(),
    })
    .default({ direction: 'max', mode: 'soft', weight: 0.07, penalty: 1 }),
  // The example trades accuracy against latency (MnasNet soft constraint around 20 µs).
  latencyMs: Objective('min').default({
    direction: 'min',
    target: 0.02,
    mode: 'soft',
    weight: 0.07,
    penalty: 1,
  }),
  energyMJ: Objective('min').default({ direction: 'min', mode: 'soft', weight: 0.07, penalty: 1 }),
  areaMM2: Objective('min').default({ direction: 'min', mode: 'soft', weight: 0.07, penalty: 1 }),
});
export const OBJECTIVE_NAMES = ['accuracy', 'latencyMs', 'energyMJ', 'areaMM2'] as const;
export type ObjectiveName = (typeof OBJECTIVE_NAMES)[number];

export const RewardSpec = z.strictObject({
  form: z.enum(['mnasnet', 'relu-penalty']).default('mnasnet'),
  /** Reward given to failed or infeasible candidates when a strategy observes them. */
  floor: z.number().min(-10).max(1).default(0),
});

// ---------- strategy ----------

export const StrategyName = z.enum([
  'reinforce',
  'reinforce-lstm',
  'ppo',
  'random',
  'evolution',
  'autohas',
  'two-phase',
  'tpe',
  'mobo',
]);
export type StrategyName = z.infer<typeof StrategyName>;

export const StrategySpec = z.strictObject({
  name: StrategyName.default('reinforce'),
  seed: int(0, 2 ** 31 - 1).default(0),
  iterations: int(1, 10_000).default(6),
  /** Candidates sampled per iteration. */
  batchSize: int(1, 10_000).default(6),
  /** Children evaluated at once (local workers, or the inline Map's MaxConcurrency). */
  concurrency: int(1, 1000).default(2),
  learningRate: z.number().gt(0).max(10).default(0.05),
  entropyWeight: z.number().min(0).max(10).default(0.01),
  baselineDecay: z.number().min(0).max(1).default(0.9),
  populationSize: int(2, 10_000).default(20),
  tournamentSize: int(1, 1000).default(5),
  /**
   * evolution: the tournament keeps the highest reward (`reward`), or ranks by Pareto dominance
   * over accuracy and the cost objectives with a target, then crowding distance (`pareto`, NSGA-II).
   */
  selection: z.enum(['reward', 'pareto']).default('reward'),
  ppoClip: z.number().gt(0).max(1).default(0.2),
  ppoEpochs: int(1, 100).default(4),
  /** tpe: Optuna's TPESampler settings; each absent one takes Optuna's default (core/search/tpe.ts). */
  tpe: z
    .strictObject({
      /** Results observed before the models are used (random until then). */
      startupTrials: int(0, 100_000).optional(),
      /** Draws from the good model scored per proposal (n_ei_candidates). */
      candidates: int(1, 10_000).optional(),
      /** Weight of the uniform prior kernel, and the smoothing of every kernel. */
      priorWeight: z.number().gt(0).max(100).optional(),
      /** Share of the results in the good set, min(⌈gamma·n⌉, maxGood). */
      gamma: z.number().gt(0).max(1).optional(),
      maxGood: int(1, 100_000).optional(),
      /** Good-set kernel weights: hypervolume contributions (Optuna 3) or uniform (Optuna 4). */
      goodWeights: z.enum(['hypervolume', 'uniform']).optional(),
    })
    .optional(),
});

// ---------- AutoHAS one-shot mode ----------

/** A Step Functions history holds 25,000 events; a chunk costs about 7 of them. */
export const MAX_SUPERNET_CHUNKS = 2000;

export const AutohasSpec = z
  .strictObject({
    /** Supernet steps in all; each is one weight step and one controller step. */
    steps: int(1, 1_000_000).default(200),
    /** Steps per SupernetChunk invocation (each must fit one Lambda invocation). */
    stepsPerChunk: int(1, 100_000).default(50),
    /** Hyper-parameter bases: draw one (`sample`) or use the softmax-weighted mix (`mix`). */
    hpMode: z.enum(['sample', 'mix']).default('sample'),
    /** The most probable (arch, hp, accelerator) retrained from scratch at the end. */
    topK: int(1, 100).default(3),
    /**
     * Also retrain the top candidate's architecture with the default hyper-parameters, and report
     * it beside AutoHAS's pick: a one-shot search must never leave its user worse off unknowingly.
     */
    defaultHpBaseline: z.boolean().default(true),
    /** Examples per supernet batch; the spec's training.batchSize when absent. */
    batchSize: int(1, 4096).optional(),
    /** Examples per validation batch of the controller step; batchSize when absent. */
    valBatchSize: int(1, 4096).optional(),
    /**
     * Steps that train only the shared weights (the controller's logits stay frozen): on untrained
     * weights one trial step rewards the largest learning rate. Half of `steps` when absent.
     */
    warmupSteps: int(0, 1_000_000).optional(),
    /** `mix` mode: step size of the hyper-gradient on the hp logits. */
    hpStep: z.number().gt(0).max(100).default(1),
    /**
     * `constant`: a learning-rate basis is the rate of every supernet step. `cosine`: it is the
     * peak of a cosine decay over `steps`, as a child's schedule (core/autohas/README.md).
     */
    hpSchedule: z.enum(['constant', 'cosine']).default('cosine'),
    /**
     * What credits the hp decisions: the trial's gain in accuracy, or its per-basis scaled drop in
     * loss (measured better on the Fashion-MNIST bench: it avoided the smallest learning rates).
     */
    hpReward: z.enum(['accuracy', 'loss']).default('loss'),
    /** Optimizer steps of the temporary weights before they are scored (then rolled back). */
    lookahead: int(1, 100).default(1),
    /** The sandwich rule: each weight step also trains the largest and smallest sub-network. */
    sandwich: z.boolean().default(false),
    /**
     * How the top-k are trained: `retrain` from scratch, or `finetune` from the supernet's
     * weights sliced to their shapes, with the hyper-parameters the controller chose. Fine-tuning
     * rescues a too-small learning rate but scored lower on good picks (Fashion-MNIST bench).
     */
    final: z.enum(['retrain', 'finetune']).default('retrain'),
  })
  // A bad stepsPerChunk already has its own issue.
  .refine((a) => !(a.stepsPerChunk >= 1) || Math.ceil(a.steps / a.stepsPerChunk) <= MAX_SUPERNET_CHUNKS, {
    message: `steps / stepsPerChunk must be at most ${MAX_SUPERNET_CHUNKS} chunks`,
    path: ['stepsPerChunk'],
  })
  .refine((a) => a.warmupSteps === undefined || !(a.steps >= 1) || a.warmupSteps < a.steps, {
    message: 'warmupSteps must be below steps (the controller needs steps to learn)',
    path: ['warmupSteps'],
  })
  .refine((a) => a.hpMode !== 'mix' || !(a.lookahead > 1), {
    message: 'mix mode differentiates one trial step: lookahead must be 1',
    path: ['lookahead'],
  });

// ---------- training budget and caps ----------

/** A child's steps when neither the spec nor the candidate gives a budget (see childBudget). */
export const DEFAULT_CHILD_STEPS = 60;

export const TrainingSpec = z
  .strictObject({
    steps: int(1, 10_000_000).optional(),
    epochs: int(1, 10_000).optional(),
    batchSize: int(1, 4096).default(32),
    schedule: recipeHp.schedule.default('cosine'),
    warmupFraction: recipeHp.warmupFraction.default(0),
    /** `step` schedule: fractions of the post-warm-up steps where the rate is multiplied by `gamma`. */
    milestones: z.array(z.number().gt(0).lt(1)).max(8).default([0.5, 0.75]),
    gamma: z.number().gt(0).max(1).default(0.1),
    labelSmoothing: recipeHp.labelSmoothing.default(0),
    dropout: recipeHp.dropout.default(0),
    augment: recipeHp.augment.default('none'),
    /** Pixels of zero padding around an image before a random crop back to its size. */
    cropPadding: int(1, 64).default(2),
    /**
     * Post-training quantization: the activation ranges are calibrated on this many seeded
     * batches of training examples (of the child's batch size) run through the trained model.
     */
    calibrationBatches: int(1, 256).default(4),
    /**
     * Long children train in chunks of this many steps, one TrainChild invocation each,
     * checkpointed to the store in between (bit-identical to one run). Absent: one invocation.
     */
    stepsPerChunk: int(1, 10_000_000).optional(),
    /**
     * Guards one TrainChild invocation against hangs (the child is then cut short); never a budget.
     * Checked between training steps, so one long step overruns it.
     */
    maxSeconds: z
      .number()
      .gt(0)
      .max(LOOP_LIMITS.trainChildMaxSeconds, {
        message: `at most ${LOOP_LIMITS.trainChildMaxSeconds} s: one TrainChild invocation runs at most ${LOOP_LIMITS.trainChildTimeoutSeconds} s (a Lambda's limit) and also evaluates and saves the child; train long children in chunks with training.stepsPerChunk`,
      })
      .default(600),
  })
  .refine((t) => !(t.steps !== undefined && t.epochs !== undefined), {
    message: 'give steps or epochs, not both',
    path: ['epochs'],
  });

export const BudgetSpec = z.strictObject({
  maxCandidates: int(1, 1_000_000).default(1000),
  maxWallSeconds: z
    .number()
    .gt(0)
    .max(30 * 86_400)
    .default(86_400),
  maxUSD: z.number().gt(0).max(1e6).default(50),
});

// ---------- the spec ----------

export const SearchSpec = z.strictObject({
  /** Where editors find this schema (docs/spec.schema.json); accepted and dropped by parseSpec. */
  $schema: z.string().max(2048).optional(),
  version: z.literal(SPEC_VERSION).default(SPEC_VERSION),
  name: z
    .string()
    .max(128)
    .regex(/^[\w .-]*$/, { message: 'only letters, digits, space, dot, dash and underscore' })
    .default('digits-example'),
  dataset: DatasetSpec.default(() => DatasetSpec.parse({})),
  space: Space.default(() => Space.parse({})),
  objectives: Objectives.default(() => Objectives.parse({})),
  reward: RewardSpec.default(() => RewardSpec.parse({})),
  strategy: StrategySpec.default(() => StrategySpec.parse({})),
  training: TrainingSpec.default(() => TrainingSpec.parse({ steps: DEFAULT_CHILD_STEPS })),
  budget: BudgetSpec.default(() => BudgetSpec.parse({})),
  /** Settings of `strategy.name: "autohas"`; defaults apply when absent. */
  autohas: AutohasSpec.optional(),
});

export type SearchSpec = z.infer<typeof SearchSpec>;
export type SearchSpecInput = z.input<typeof SearchSpec>;
export type NetworkSpace = z.infer<typeof NetworkSpace>;
export type AcceleratorSpace = z.infer<typeof AcceleratorSpace>;
export type SystolicSpace = z.infer<typeof SystolicSpace>;
export type PeArraySpace = z.infer<typeof PeArraySpace>;
export type HyperparameterSpace = z.infer<typeof HyperparameterSpace>;
export type BasisRange = z.infer<typeof BasisRange>;
export type Objectives = z.infer<typeof Objectives>;
export type RewardSpec = z.infer<typeof RewardSpec>;
export type StrategySpec = z.infer<typeof StrategySpec>;
export type TrainingSpec = z.infer<typeof TrainingSpec>;
export type DatasetSpec = z.infer<typeof DatasetSpec>;
export type BudgetSpec = z.infer<typeof BudgetSpec>;
export type AutohasSpec = z.infer<typeof AutohasSpec>;
