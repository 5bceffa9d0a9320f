// Chunked, resumable AutoHAS: run N steps, then checkpoint everything a bit-identical resume needs
// (shared weights, optimizer slots and step counts, controller logits and baseline, RNG state,
// batch cursors) to a Store. A checkpoint is a JSON manifest pointing at one binary of float32s;
// the binary is written first under a step-numbered key, so a crash never leaves a half pointer.
import { createHash } from 'node:crypto';
import type { LoadedDataset } from '../data/dataset.js';
import { Rng, type RngState } from '../rng.js';
import type { Candidate } from '../space/types.js';
import type { SearchSpec } from '../spec/schema.js';
import type { Store } from '../store/store.js';
import { tf } from '../training/backend.js';
import type { BatchCursor } from './batches.js';
import type { ControllerState } from './controller.js';
import {
  type AutohasOptions,
  type AutohasState,
  autohasStep,
  createAutohasState,
  disposeAutohasState,
  type StepLog,
} from './step.js';

export const CHECKPOINT_FORMAT = 'cosearch-autohas-checkpoint/1';

/** A checkpoint that is missing, unreadable, or does not belong to this search. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  specHash: string;
  step: number;
  rng: RngState;
  controller: ControllerState;
  optimizer: { kind: 'adam' | 'sgd'; steps: number[] };
  cursors: { train: BatchCursor; val: BatchCursor };
  counters: { trainExamples: number; evalExamples: number };
  weightsKey: string;
  weightsSha256: string;
  tensors: TensorEntry[];
}

const sha256Bytes = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const manifestKey = (prefix: string) => `${prefix}/checkpoint.json`;

/** Every tensor a checkpoint holds, in order: shared weights, then optimizer slots. */
function checkpointTensors(s: AutohasState): { name: string; t: tf.Variable }[] {
  const n = s.supernet.vars.length;
  return [
    ...s.supernet.vars.map((t, i) => ({ name: `w/${s.supernet.specs[i]!.name}`, t })),
    ...s.optimizer.slots.map((t, i) => ({
      name: `opt${Math.floor(i / n)}/${s.supernet.specs[i % n]!.name}`,
      t,
    })),
  ];
}

export async function saveCheckpoint(
  s: AutohasState,
  store: Store,
  prefix: string,
): Promise<CheckpointManifest> {
  const entries = checkpointTensors(s);
  let total = 0;
  const tensors = entries.map(({ name, t }) => {
    const e = { name, shape: [...t.shape], offset: total };
    total += t.size;
    return e;
  });
  const buf = new Float32Array(total);
  entries.forEach(({ t }, i) => {
    buf.set(t.dataSync() as Float32Array, tensors[i]!.offset);
  });
  const bytes = new Uint8Array(buf.buffer);
  const weightsKey = `${prefix}/weights-${String(s.step).padStart(8, '0')}.bin`;
  await store.put(weightsKey, bytes);
  const m: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    specHash: s.specHash,
    step: s.step,
    rng: s.rng.state(),
    controller: s.controller.state(),
    optimizer: { kind: s.optimizer.kind, steps: [...s.optimizer.steps] },
    cursors: { train: { ...s.train.cursor }, val: { ...s.val.cursor } },
    counters: { trainExamples: s.trainExamples, evalExamples: s.evalExamples },
    weightsKey,
    weightsSha256: sha256Bytes(bytes),
    tensors,
  };
  await store.put(manifestKey(prefix), `${JSON.stringify(m)}\n`);
  return m;
}

/**
 * Restores a checkpoint into a state built from the same spec. Everything is read and checked
 * (format, spec hash, tensor names and shapes, byte count, checksum) before anything is assigned,
 * so a bad checkpoint leaves the state untouched.
 */
export async function restoreCheckpoint(s: AutohasState, store: Store, prefix: string): Promise<void> {
  const key = manifestKey(prefix);
  const raw = await store.tryGet(key);
  if (!raw) throw new CheckpointError(`${key}: no checkpoint`);
  let m: CheckpointManifest;
  try {
    m = JSON.parse(new TextDecoder().decode(raw)) as CheckpointManifest;
  } catch (e) {
    throw new CheckpointError(`${key}: not valid JSON (${(e as Error).message})`);
  }
  const bad = (msg: string): never => {
    throw new CheckpointError(`${key}: ${msg}`);
  };
  if (typeof m !== 'object' || m === null || m.format !== CHECKPOINT_FORMAT)
    bad(`not an AutoHAS checkpoint (format ${JSON.stringify((m as { format?: unknown })?.format)})`);
  if (m.specHash !== s.specHash)
    bad(
      `spec hash ${m.specHash} does not match this search's ${s.specHash} (different spec, options or data)`,
    );
  if (!Number.isInteger(m.step) || m.step < 0) bad(`bad step ${m.step}`);
  if (m.optimizer?.kind !== s.optimizer.kind)
    bad(`optimizer ${m.optimizer?.kind} is not ${s.optimizer.kind}`);
  if (!Array.isArray(m.optimizer.steps) || m.optimizer.steps.length !== s.optimizer.steps.length)
    bad('optimizer step counts do not match the supernet');
  const entries = checkpointTensors(s);
  if (!Array.isArray(m.tensors) || m.tensors.length !== entries.length)
    bad(`holds ${m.tensors?.length} tensors, this supernet has ${entries.length}`);
  let total = 0;
  entries.forEach(({ name, t }, i) => {
    const e = m.tensors[i]!;
    if (e.name !== name) bad(`tensor ${i} is ${e.name}, expected ${name}`);
    if (e.shape.length !== t.shape.length || e.shape.some((d, k) => d !== t.shape[k]))
      bad(`tensor ${name} has shape [${e.shape}], expected [${t.shape}]`);
    if (e.offset !== total) bad(`tensor ${name} at offset ${e.offset}, expected ${total}`);
    total += t.size;
  });
  const bytes = await store.tryGet(m.weightsKey);
  if (!bytes) bad(`weights ${m.weightsKey} are missing`);
  const b = bytes as Uint8Array;
  if (b.byteLength !== total * 4) bad(`weights hold ${b.byteLength} bytes, expected ${total * 4}`);
  if (sha256Bytes(b) !== m.weightsSha256) bad('weights checksum mismatch (corrupt)');
  const isCursor = (c: unknown): boolean =>
    typeof c === 'object' &&
    c !== null &&
    Number.isInteger((c as BatchCursor).epoch) &&
    Number.isInteger((c as BatchCursor).pos);
  if (!isCursor(m.cursors?.train) || !isCursor(m.cursors?.val)) bad('bad batch cursors');
  if (!Number.isFinite(m.counters?.trainExamples) || !Number.isFinite(m.counters?.evalExamples))
    bad('bad example counters');
  if (!m.optimizer.steps.every((t) => Number.isInteger(t) && t >= 0)) bad('bad optimizer step counts');
  let rng: Rng;
  try {
    rng = Rng.fromState(m.rng);
  } catch (e) {
    return bad((e as Error).message);
  }
  // Controller shape check throws before any change to the controller.
  const probe = s.controller.state();
  try {
    s.controller.setState(m.controller);
  } catch (e) {
    s.controller.setState(probe);
    bad((e as Error).message);
  }
  // Past this point nothing can fail.
  const floats = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  entries.forEach(({ t }, i) => {
    const e = m.tensors[i]!;
    const v = tf.tensor(floats.subarray(e.offset, e.offset + t.size), t.shape, 'float32');
    t.assign(v);
    v.dispose();
  });
  s.optimizer.steps = [...m.optimizer.steps];
  s.rng = rng;
  s.train.cursor = { ...m.cursors.train };
  s.val.cursor = { ...m.cursors.val };
  s.step = m.step;
  s.trainExamples = m.counters.trainExamples;
  s.evalExamples = m.counters.evalExamples;
}

/** A state for `spec`, resumed from `prefix` when a checkpoint is there, fresh otherwise. */
export async function openAutohas(
  spec: SearchSpec,
  data: LoadedDataset,
  store: Store,
  prefix: string,
  options: Partial<AutohasOptions> = {},
): Promise<AutohasState> {
  const s = createAutohasState(spec, data, options);
  if (!(await store.tryGet(manifestKey(prefix)))) return s;
  try {
    await restoreCheckpoint(s, store, prefix);
  } catch (e) {
    disposeAutohasState(s);
    throw e;
  }
  return s;
}

/** Runs `nSteps` steps, then checkpoints to `prefix`. Returns the steps' logs. */
export async function runChunk(
  s: AutohasState,
  store: Store,
  nSteps: number,
  prefix = 'autohas',
): Promise<StepLog[]> {
  if (!Number.isInteger(nSteps) || nSteps < 0)
    throw new Error(`runChunk: nSteps must be a whole number >= 0, got ${nSteps}`);
  const logs: StepLog[] = [];
  for (let i = 0; i < nSteps; i++) logs.push(autohasStep(s));
  await saveCheckpoint(s, store, prefix);
  return logs;
}

export interface TopCandidate {
  rank: number;
  candidate: Candidate;
  /** Probability of this joint choice under the controller (mixed hp decisions excluded). */
  probability: number;
  /** Its probability under a uniform controller: probability / this says how much was learned. */
  uniformProbability: number;
  hp: Record<string, number>;
}

/** The k most probable (arch, hp, accelerator) under the controller; deterministic. */
export function deriveTopK(s: AutohasState, k: number): TopCandidate[] {
  return s.controller.topK(k).map((t, i) => ({
    rank: i + 1,
    candidate: t.draw.candidate,
    probability: t.probability,
    uniformProbability: t.uniformProbability,
    hp: t.draw.hp,
  }));
}
