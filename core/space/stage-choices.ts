// What each stage of a network space may choose: its perStage entry where it gives a field, the
// space-wide list otherwise. The encoding and the AutoHAS supernet's weight bounds both read it.
import type { NetworkSpace } from '../spec/schema.js';
import type { StageArch } from './types.js';

/** A stage's choice lists, under StageArch's field names (the spec's `blockType` is `block`). */
export interface StageChoices {
  block: readonly StageArch['block'][];
  kernel: readonly StageArch['kernel'][];
  expansion: readonly NonNullable<StageArch['expansion']>[];
  filters: readonly number[];
  layers: readonly number[];
  squeezeExcite: readonly boolean[];
  stride: readonly StageArch['stride'][];
}

/** Choices of stage s (0-based), in the order the spec lists them (token t is choice t). */
export function stageChoices(net: NetworkSpace, s: number): StageChoices {
  if (!Number.isInteger(s) || s < 0 || s >= net.stages)
    throw new RangeError(`stage ${s} is not a stage of a ${net.stages}-stage space`);
  const own = net.perStage?.[s] ?? {};
  return {
    block: own.blockType ?? net.blockType,
    kernel: own.kernel ?? net.kernel,
    expansion: own.expansion ?? net.expansion,
    filters: own.filters ?? net.filters,
    layers: own.layers ?? net.layers,
    squeezeExcite: own.squeezeExcite ?? net.squeezeExcite,
    stride: own.stride ?? net.stride,
  };
}
