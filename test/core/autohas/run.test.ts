import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  deriveTopK,
  openAutohas,
  restoreCheckpoint,
  runChunk,
} from '../../../core/autohas/run.js';
import { type AutohasState, createAutohasState, disposeAutohasState } from '../../../core/autohas/step.js';
import type { LoadedDataset } from '../../../core/data/dataset.js';
import { initBackend } from '../../../core/training/backend.js';
import { MemStore } from '../training/mem-store.js';
import { microSpec } from './fixtures.js';

let data: LoadedDataset;
beforeAll(async () => {
  await initBackend('cpu');
  data = await (await import('./fixtures.js')).tinyDigits();
});

const snapshot = (s: AutohasState) => ({
  w: s.supernet.vars.map((v) => [...v.dataSync()]),
  o: s.optimizer.slots.map((v) => [...v.dataSync()]),
  steps: [...s.optimizer.steps],
  c: s.controller.state(),
  rng: s.rng.state(),
  cur: [s.train.cursor, s.val.cursor],
  n: [s.step, s.trainExamples, s.evalExamples],
});

// The warm-up ends inside the first chunk, so the resume covers both phases.
const opts = { batchSize: 8, warmupSteps: 1, valBatchSize: 12 };

describe('runChunk', () => {
  it('a run resumed from a checkpoint is bit-identical to an uninterrupted one', async () => {
    const whole = createAutohasState(microSpec(), data, opts);
    const logsWhole = await runChunk(whole, new MemStore(), 4, 'w');
    const store = new MemStore();
    const a = await openAutohas(microSpec(), data, store, 'r', opts);
    const logsA = await runChunk(a, store, 2, 'r');
    disposeAutohasState(a);
    const b = await openAutohas(microSpec(), data, store, 'r', opts);
    expect(b.step).toBe(2);
    const logsB = await runChunk(b, store, 2, 'r');
    expect([...logsA, ...logsB]).toEqual(logsWhole);
    expect(snapshot(b)).toEqual(snapshot(whole));
    expect(deriveTopK(b, 3)).toEqual(deriveTopK(whole, 3));
    // A different seed diverges (the comparison can fail).
    const other = createAutohasState(microSpec(1), data, opts);
    await runChunk(other, new MemStore(), 1, 'o');
    expect(snapshot(other).w).not.toEqual(snapshot(whole).w);
    for (const s of [whole, b, other]) disposeAutohasState(s);
  });

  it('a corrupt or mismatched checkpoint is a clear error and changes nothing', async () => {
    const store = new MemStore();
    const s = createAutohasState(microSpec(), data, opts);
    await runChunk(s, store, 1, 'ck');
    const keys = [...store.objects.keys()].sort();
    const bytes = new Map([...store.objects].map(([k, v]) => [k, v.slice()]));
    const manifest = JSON.parse(new TextDecoder().decode(store.objects.get('ck/checkpoint.json')!));

    const fresh = createAutohasState(microSpec(), data, opts);
    const before = snapshot(fresh);
    const expectRejected = async (pattern: RegExp, target = fresh) => {
      await expect(restoreCheckpoint(target, store, 'ck')).rejects.toThrow(pattern);
      await expect(restoreCheckpoint(target, store, 'ck')).rejects.toBeInstanceOf(CheckpointError);
      expect(snapshot(target)).toEqual(before);
    };

    // Wrong spec (another seed): hash mismatch.
    const otherSpec = createAutohasState(microSpec(7), data, opts);
    await expect(restoreCheckpoint(otherSpec, store, 'ck')).rejects.toThrow(/spec hash .* does not match/);
    disposeAutohasState(otherSpec);

    // Wrong shapes.
    store.objects.set(
      'ck/checkpoint.json',
      new TextEncoder().encode(
        JSON.stringify({
          ...manifest,
          tensors: manifest.tensors.map((t: { shape: number[] }, i: number) =>
            i === 0 ? { ...t, shape: [...t.shape.slice(0, -1), 99] } : t,
          ),
        }),
      ),
    );
    await expectRejected(/has shape \[.*99\], expected/);

    // Corrupt weights.
    store.objects.set('ck/checkpoint.json', bytes.get('ck/checkpoint.json')!);
    const w = bytes.get(manifest.weightsKey)!.slice();
    w[10] = (w[10]! + 1) % 256;
    store.objects.set(manifest.weightsKey, w);
    await expectRejected(/checksum mismatch/);
    store.objects.set(manifest.weightsKey, w.slice(0, 100));
    await expectRejected(/weights hold 100 bytes/);

    // Not JSON.
    store.objects.set('ck/checkpoint.json', new TextEncoder().encode('{oops'));
    await expectRejected(/not valid JSON/);
    await expect(openAutohas(microSpec(), data, store, 'ck', opts)).rejects.toThrow(CheckpointError);

    // Nothing in the store was overwritten by the failed loads.
    expect([...store.objects.keys()].sort()).toEqual(keys);
    for (const s2 of [s, fresh]) disposeAutohasState(s2);
  });
});
