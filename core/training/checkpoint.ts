// Training checkpoints in a Store: `{prefix}/checkpoint.json` names a step-stamped weights blob
// holding model weights and optimizer slots. The JSON is written last, so a reader never sees a
// half-written checkpoint; the previous blob is deleted after.
import type { Tensor } from '@tensorflow/tfjs';
import type { RngState } from '../rng.js';
import { parseJsonObject } from '../store/json.js';
import type { Store } from '../store/store.js';
import { tf } from './backend.js';

export interface Checkpoint {
  /** Identifies the child, seed, dataset and budget the state belongs to. */
  fingerprint: string;
  /** Steps completed. */
  step: number;
  /** Base state of the shuffling stream. */
  rngState: RngState;
  optimizerSteps: number;
  weights: Tensor[];
  optimizer: Tensor[];
  /** Training seconds spent before this checkpoint (earlier chunks): reported, never a decision. */
  trainSeconds?: number;
}

interface CheckpointJson {
  version: 1;
  fingerprint: string;
  step: number;
  rngState: [number, number, number, number];
  optimizerSteps: number;
  blob: string;
  specs: { name: string; shape: number[]; dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64' }[];
  weightCount: number;
  trainSeconds?: number;
}

const key = (prefix: string, name: string): string => `${prefix.replace(/\/+$/, '')}/${name}`;

export async function saveCheckpoint(store: Store, prefix: string, c: Checkpoint): Promise<void> {
  const named = [
    ...c.weights.map((t, i) => ({ name: `w${i}`, tensor: t })),
    ...c.optimizer.map((t, i) => ({ name: `o${i}`, tensor: t })),
  ];
  const { data, specs } = await tf.io.encodeWeights(named);
  const blob = `checkpoint-${String(c.step).padStart(9, '0')}.bin`;
  const previous = await store.tryGet(key(prefix, 'checkpoint.json'));
  await store.put(key(prefix, blob), new Uint8Array(data as ArrayBuffer));
  const json: CheckpointJson = {
    version: 1,
    fingerprint: c.fingerprint,
    step: c.step,
    rngState: [...c.rngState],
    optimizerSteps: c.optimizerSteps,
    blob,
    specs: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })),
    weightCount: c.weights.length,
    ...(c.trainSeconds === undefined ? {} : { trainSeconds: c.trainSeconds }),
  };
  await store.put(key(prefix, 'checkpoint.json'), JSON.stringify(json));
  if (previous) {
    const old = parseJsonObject<CheckpointJson>(store, key(prefix, 'checkpoint.json'), previous).blob;
    if (old !== blob) await store.delete(key(prefix, old));
  }
}

/** The checkpoint under prefix, or undefined when there is none. */
export async function loadCheckpoint(store: Store, prefix: string): Promise<Checkpoint | undefined> {
  const raw = await store.tryGet(key(prefix, 'checkpoint.json'));
  if (!raw) return undefined;
  const json = parseJsonObject<CheckpointJson>(store, key(prefix, 'checkpoint.json'), raw);
  if (json.version !== 1) throw new Error(`checkpoint at ${prefix}: unknown version ${json.version}`);
  const bytes = await store.get(key(prefix, json.blob));
  const map = tf.io.decodeWeights(bytes.slice().buffer as ArrayBuffer, json.specs);
  const weights: Tensor[] = [];
  const optimizer: Tensor[] = [];
  for (let i = 0; i < json.weightCount; i++) weights.push(map[`w${i}`]!);
  for (let i = 0; i < json.specs.length - json.weightCount; i++) optimizer.push(map[`o${i}`]!);
  return {
    fingerprint: json.fingerprint,
    step: json.step,
    rngState: json.rngState,
    optimizerSteps: json.optimizerSteps,
    weights,
    optimizer,
    ...(typeof json.trainSeconds === 'number' ? { trainSeconds: json.trainSeconds } : {}),
  };
}
