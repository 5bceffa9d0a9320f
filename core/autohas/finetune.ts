// The final model fine-tuned from the supernet (autohas.final "finetune"): a top-k candidate's
// child network starts from the shared weights sliced to its shapes instead of a fresh
// initialization, then trains its usual budget with the hyper-parameters the controller chose
// (with hpSchedule cosine, the learning-rate basis is the peak of the child's cosine schedule,
// the schedule the controller scored). Batch norm's moving statistics are not in the supernet
// (it uses batch statistics): they start fresh and settle in the first steps.
import type * as tfl from '@tensorflow/tfjs';
import { type BuiltModel, buildModel } from '../network/build.js';
import type { NetworkArch } from '../space/types.js';
import { tf } from '../training/backend.js';
import type { Supernet } from './supernet.js';

export const SUBNET_WEIGHTS_FORMAT = 'cosearch-autohas-subnet/1';

/** A sub-network's slice of the shared weights, as plain data (storable as JSON). */
export interface SubnetWeights {
  format: typeof SUBNET_WEIGHTS_FORMAT;
  tensors: { name: string; shape: number[]; values: number[] }[];
}

/** The weights `arch` reads from the supernet, sliced to its shapes. */
export function subnetWeights(supernet: Supernet, arch: NetworkArch): SubnetWeights {
  const sliced = supernet.weightsFor(arch);
  try {
    return {
      format: SUBNET_WEIGHTS_FORMAT,
      tensors: [...sliced].map(([name, t]) => ({
        name,
        shape: [...t.shape],
        values: Array.from(t.dataSync()),
      })),
    };
  } finally {
    tf.dispose([...sliced.values()]);
  }
}

/** A child weight's name in the supernet: the layer name and the kernel/gamma/beta/bias role. */
function supernetName(childWeight: string): string | undefined {
  const slash = childWeight.lastIndexOf('/');
  const layer = childWeight.slice(0, slash);
  const role = childWeight.slice(slash + 1);
  if (role === 'kernel' || role === 'depthwise_kernel') return `${layer}/kernel`;
  if (role === 'gamma' || role === 'beta' || role === 'bias') return `${layer}/${role}`;
  // Batch norm's moving statistics: the supernet keeps none.
  return undefined;
}

/**
 * Assigns the sub-network's weights to the child model's. Throws when a supernet weight has no
 * place in the model or a shape differs: weights of another architecture. Returns the count assigned.
 */
export function loadSubnetWeights(model: tfl.LayersModel, w: SubnetWeights, what = 'subnet weights'): number {
  if (w?.format !== SUBNET_WEIGHTS_FORMAT || !Array.isArray(w.tensors))
    throw new Error(`${what}: not ${SUBNET_WEIGHTS_FORMAT}`);
  const byName = new Map(w.tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  for (const layer of model.layers)
    for (const v of layer.weights) {
      const name = supernetName(v.originalName);
      const t = name === undefined ? undefined : byName.get(name);
      if (!t || !name) continue;
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i]))
        throw new Error(
          `${what}: ${name} has shape [${t.shape}], the model's ${v.originalName} [${v.shape}]`,
        );
      if (t.values.length !== t.shape.reduce((a, b) => a * b, 1))
        throw new Error(`${what}: ${name} holds ${t.values.length} values for shape [${t.shape}]`);
      const value = tf.tensor(t.values, t.shape, 'float32');
      v.write(value);
      value.dispose();
      used.add(name);
    }
  const unused = w.tensors.filter((t) => !used.has(t.name)).map((t) => t.name);
  if (unused.length) throw new Error(`${what}: no place in the model for ${unused.join(', ')}`);
  return used.size;
}

/**
 * A child builder (TrainChildInput.buildNetwork) that builds `arch` as usual, then starts it from
 * the supernet's weights: the trainer's loop, schedule, scoring and export stay the same.
 */
export function fineTuneBuilder(
  arch: NetworkArch,
  w: SubnetWeights,
  what?: string,
): (shape: readonly [number, number, number], numClasses: number, seed: number) => BuiltModel {
  return (shape, numClasses, seed) => {
    const built = buildModel(arch, shape, numClasses, seed);
    loadSubnetWeights(built.model, w, what);
    return built;
  };
}
