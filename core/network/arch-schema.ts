// Validation of an architecture given as JSON (the CLI's --arch file, a candidate's network).
import { z } from 'zod';
import { BlockType } from '../spec/schema.js';
import { MAX_WIDTH_MULTIPLIER } from './mobile-cnn.js';

const lit = <T extends number>(...vs: T[]) =>
  z.union(vs.map((v) => z.literal(v)) as [z.ZodLiteral<T>, ...z.ZodLiteral<T>[]]);

export const StageArchSchema = z.strictObject({
  block: BlockType,
  kernel: lit(3, 5, 7),
  expansion: lit(1, 3, 6).optional(),
  filters: z.number().int().min(1).max(4096),
  layers: z.number().int().min(1).max(16),
  squeezeExcite: z.boolean(),
  stride: lit(1, 2),
});

export const NetworkArchSchema = z.strictObject({
  template: z.literal('mobile-cnn'),
  stemFilters: z.number().int().min(1).max(4096),
  stemKernel: lit(3, 5, 7).optional(),
  stemStride: lit(1, 2).optional(),
  widthMultiplier: z.number().gt(0).max(MAX_WIDTH_MULTIPLIER).optional(),
  stages: z.array(StageArchSchema).min(1).max(16),
});

export const HyperparametersSchema = z.strictObject({
  learningRate: z.number().gt(0).max(10),
  weightDecay: z.number().min(0).max(1),
  optimizer: z.enum(['adam', 'sgd']),
  batchSize: z.number().int().min(1).max(4096),
  epochs: z.number().int().min(1).max(1000).optional(),
});

/** An arch file: a bare NetworkArch, or a candidate-like object with network (+ hyperparameters). */
export function archFileSchema(raw: unknown) {
  const wrapped = typeof raw === 'object' && raw !== null && 'network' in raw;
  return wrapped
    ? z
        .looseObject({ network: NetworkArchSchema, hyperparameters: HyperparametersSchema.optional() })
        .transform((c) => ({ network: c.network, hyperparameters: c.hyperparameters }))
    : NetworkArchSchema.transform((network) => ({ network, hyperparameters: undefined }));
}
