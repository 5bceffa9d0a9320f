// zod schemas for the simulator's external inputs (an accelerator configuration, a layer, a network)
// and the limits behind them. The CLI (SCALE-Sim .cfg and topology files, --accelerator and
// --network JSON) and the engine (every candidate, through simulateNetwork) check the same ones.
import { z } from 'zod';
import { Dataflow } from '../spec/schema.js';

/**
 * Bounds on every simulator input. Layer dimensions and operand sizes keep addresses and the
 * exact tier's bitsets small (an ifmap of 2^26 words is an 8 MB bitset); the work limits keep the
 * exact tier's loops, and the trace model's row-by-row walk (USER mode), within seconds.
 */
export const SIMULATOR_LIMITS = Object.freeze({
  /** Array rows and columns. */
  arrayDim: 4096,
  /** Each SRAM, kB. */
  sramKB: 1 << 20,
  /** USER-mode DRAM bandwidth, words per cycle. */
  bandwidth: 1 << 16,
  clockMHz: 100_000,
  /** Any one layer dimension: ifmap height/width, filter height/width, channels, filters, strides. */
  layerDim: 1 << 16,
  /** Words of any one operand: ifmap H·W·C, filters R·S·C·N, ofmap E·F·N. */
  operandWords: 1 << 26,
  layers: 10_000,
  /** Folds of one layer on the array (the exact tier visits each). */
  folds: 1 << 22,
  /** Folds × pixels a fold reads (the exact tier's ifmap address runs). */
  foldPixels: 1 << 28,
  /** Demand rows and SRAM reads of one layer in USER mode, which steps through them. */
  traceRows: 1 << 26,
  traceReads: 1 << 25,
});
const L = SIMULATOR_LIMITS;

/** Input the simulator refuses: names the field and the limit; the CLI turns it into exit 2. */
export class SimulationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationInputError';
  }
}

const count = z.number().min(0).max(1e15).int();
const kB = z.number().min(1).max(L.sramKB).int();

/** Bits per weight (activations are 8-bit); absent means 8. */
const WeightBits = z.union([z.literal(8), z.literal(4)]).optional();

export const SystolicConfigSchema = z.strictObject({
  template: z.literal('systolic'),
  rows: z.number().min(1).max(L.arrayDim).int(),
  cols: z.number().min(1).max(L.arrayDim).int(),
  dataflow: Dataflow,
  ifmapSramKB: kB,
  filterSramKB: kB,
  ofmapSramKB: kB,
  bandwidthWordsPerCycle: z.number().min(1).max(L.bandwidth).int().optional(),
  weightBits: WeightBits,
  clockMHz: z.number().min(1).max(L.clockMHz).default(1000),
});

const dim = z.number().min(1).max(L.layerDim).int();

/** One layer as SCALE-Sim sees it (a topology row, or a lowered layer). */
export const ConvShapeSchema = z
  .strictObject({
    name: z.string().max(256),
    ifmapH: dim,
    ifmapW: dim,
    filterH: dim,
    filterW: dim,
    channels: dim,
    numFilters: dim,
    strideH: dim,
    strideW: dim,
  })
  .superRefine((l, ctx) => {
    if (l.filterH > l.ifmapH)
      ctx.addIssue({
        code: 'custom',
        path: ['filterH'],
        message: `filter height ${l.filterH} is larger than ifmap height ${l.ifmapH}`,
      });
    if (l.filterW > l.ifmapW)
      ctx.addIssue({
        code: 'custom',
        path: ['filterW'],
        message: `filter width ${l.filterW} is larger than ifmap width ${l.ifmapW}`,
      });
    const E = Math.ceil((l.ifmapH - l.filterH + l.strideH) / l.strideH);
    const F = Math.ceil((l.ifmapW - l.filterW + l.strideW) / l.strideW);
    const words: Array<[string, number, string]> = [
      ['ifmapH', l.ifmapH * l.ifmapW * l.channels, 'ifmap H·W·C'],
      ['numFilters', l.filterH * l.filterW * l.channels * l.numFilters, 'filters R·S·C·N'],
      ['numFilters', E * F * l.numFilters, 'ofmap E·F·N'],
    ];
    for (const [field, n, what] of words)
      if (n > L.operandWords)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${what} = ${n} words is over the simulator's limit of ${L.operandWords}`,
        });
  });

/** "field: problem" for each way a layer shape breaks the schema (empty when valid). */
export function shapeProblems(l: unknown): string[] {
  const r = ConvShapeSchema.safeParse(l);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || 'layer'}: ${i.message}`);
}

/** Exact-tier work limits of a layer on an array (empty when within them). */
export function workProblems(
  l: {
    ifmapH: number;
    ifmapW: number;
    filterH: number;
    filterW: number;
    channels: number;
    numFilters: number;
    strideH: number;
    strideW: number;
  },
  a: { rows: number; cols: number; dataflow: Dataflow; bandwidth?: number | undefined },
): string[] {
  const E = Math.ceil((l.ifmapH - l.filterH + l.strideH) / l.strideH);
  const F = Math.ceil((l.ifmapW - l.filterW + l.strideW) / l.strideW);
  const M = E * F;
  const K = l.filterH * l.filterW * l.channels;
  const N = l.numFilters;
  const [Sr, Sc, T] = a.dataflow === 'os' ? [M, N, K] : a.dataflow === 'ws' ? [K, N, M] : [K, M, N];
  const rowFold = Math.ceil(Sr / a.rows);
  const colFold = Math.ceil(Sc / a.cols);
  const folds = rowFold * colFold;
  const out: string[] = [];
  if (folds > L.folds)
    out.push(`${folds} folds on a ${a.rows}×${a.cols} array is over the limit of ${L.folds}`);
  const pixels = a.dataflow === 'ws' ? M : Math.min(M, a.dataflow === 'os' ? a.rows : a.cols);
  if (folds * pixels > L.foldPixels)
    out.push(`${folds} folds × ${pixels} pixels is over the limit of ${L.foldPixels}`);
  if (a.bandwidth !== undefined) {
    const L0 = a.dataflow === 'os' ? T + a.rows + a.cols - 2 : T + 2 * a.rows + a.cols - 2;
    const rows = folds * L0;
    const reads =
      (a.dataflow === 'is' ? M * K : colFold * M * K) +
      (a.dataflow === 'os' ? rowFold : a.dataflow === 'is' ? colFold : 1) * K * N;
    if (rows > L.traceRows) out.push(`${rows} demand rows in USER mode is over the limit of ${L.traceRows}`);
    if (reads > L.traceReads)
      out.push(`${reads} SRAM reads in USER mode is over the limit of ${L.traceReads}`);
  }
  return out;
}

export const PeArrayConfigSchema = z.strictObject({
  template: z.literal('pe-array'),
  pesX: z.number().min(1).max(64).int(),
  pesY: z.number().min(1).max(64).int(),
  simdUnits: z.number().min(1).max(4096).int(),
  computeLanes: z.number().min(1).max(64).int(),
  localMemoryMB: z.number().gt(0).max(1024),
  registerFileKB: z
    .number()
    .gt(0)
    .max(1 << 20),
  ioBandwidthGBps: z.number().gt(0).max(1e6),
  weightBits: WeightBits,
  clockMHz: z.number().min(1).max(100_000).default(800),
});

export const AcceleratorConfigSchema = z.discriminatedUnion(
  'template',
  [SystolicConfigSchema, PeArrayConfigSchema],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? 'unknown accelerator template: use "systolic" or "pe-array"' : undefined,
  },
);

const convFields = {
  name: z.string().min(1).max(256),
  inH: dim,
  inW: dim,
  inC: dim,
  kH: dim,
  kW: dim,
  stride: dim,
  padding: z.enum(['same', 'valid']),
  outH: dim,
  outW: dim,
  outC: dim,
  bias: z.boolean(),
  macs: count,
  params: count,
};

const ConvLayer = z.strictObject({ kind: z.literal('conv'), ...convFields });
const DepthwiseLayer = z.strictObject({ kind: z.literal('depthwise'), ...convFields });
const DenseLayer = z.strictObject({
  kind: z.literal('dense'),
  name: z.string().min(1).max(256),
  inFeatures: dim,
  outFeatures: dim,
  bias: z.boolean(),
  macs: count,
  params: count,
});
const VectorLayer = z.strictObject({
  kind: z.literal('vector'),
  name: z.string().min(1).max(256),
  op: z.enum([
    'batchnorm',
    'relu',
    'relu6',
    'swish',
    'sigmoid',
    'add',
    'mul',
    'avgpool',
    'globalavgpool',
    'softmax',
  ]),
  reads: count,
  writes: count,
  ops: count,
  params: count,
});

/** The input an architecture is laid out on to be simulated: [height, width, channels] and classes. */
export const InputSchema = z.strictObject({
  shape: z.tuple([dim, dim, dim]),
  classes: dim,
});

export const NetworkSummarySchema = z.strictObject({
  inputShape: z.tuple([dim, dim, dim]),
  numClasses: dim,
  layers: z
    .array(z.discriminatedUnion('kind', [ConvLayer, DepthwiseLayer, DenseLayer, VectorLayer]))
    .min(1)
    .max(L.layers),
  params: count,
  macs: count,
});
