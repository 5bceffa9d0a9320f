// zod schemas for the simulator's external inputs: one accelerator configuration and one network.
import { z } from 'zod';
import { Dataflow } from '../spec/schema.js';

const pos = z.number().int().min(1).max(1e9);
const count = z.number().int().min(0).max(1e15);

export const SystolicConfigSchema = z.strictObject({
  template: z.literal('systolic'),
  rows: z.number().int().min(1).max(4096),
  cols: z.number().int().min(1).max(4096),
  dataflow: Dataflow,
  ifmapSramKB: z
    .number()
    .int()
    .min(1)
    .max(1 << 20),
  filterSramKB: z
    .number()
    .int()
    .min(1)
    .max(1 << 20),
  ofmapSramKB: z
    .number()
    .int()
    .min(1)
    .max(1 << 20),
  bandwidthWordsPerCycle: z
    .number()
    .int()
    .min(1)
    .max(1 << 16)
    .optional(),
  clockMHz: z.number().min(1).max(100_000).default(1000),
});

export const PeArrayConfigSchema = z.strictObject({
  template: z.literal('pe-array'),
  pesX: z.number().int().min(1).max(64),
  pesY: z.number().int().min(1).max(64),
  simdUnits: z.number().int().min(1).max(4096),
  computeLanes: z.number().int().min(1).max(64),
  localMemoryMB: z.number().gt(0).max(1024),
  registerFileKB: z
    .number()
    .gt(0)
    .max(1 << 20),
  ioBandwidthGBps: z.number().gt(0).max(1e6),
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
  inH: pos,
  inW: pos,
  inC: pos,
  kH: pos,
  kW: pos,
  stride: pos,
  padding: z.enum(['same', 'valid']),
  outH: pos,
  outW: pos,
  outC: pos,
  bias: z.boolean(),
  macs: count,
  params: count,
};

const ConvLayer = z.strictObject({ kind: z.literal('conv'), ...convFields });
const DepthwiseLayer = z.strictObject({ kind: z.literal('depthwise'), ...convFields });
const DenseLayer = z.strictObject({
  kind: z.literal('dense'),
  name: z.string().min(1).max(256),
  inFeatures: pos,
  outFeatures: pos,
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
  shape: z.tuple([pos, pos, pos]),
  classes: pos,
});

export const NetworkSummarySchema = z.strictObject({
  inputShape: z.tuple([pos, pos, pos]),
  numClasses: pos,
  layers: z
    .array(z.discriminatedUnion('kind', [ConvLayer, DepthwiseLayer, DenseLayer, VectorLayer]))
    .min(1)
    .max(10_000),
  params: count,
  macs: count,
});
