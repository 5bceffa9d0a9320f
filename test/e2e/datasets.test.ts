// A search on a user's dataset with a test set of its own and the whole training recipe, through
// the synthesized state machine (as `cosearch run` runs it): the official test file is what children are scored on.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson, listAll } from '../../core/store/json.js';
import { type Progress, runSession } from '../../local/session.js';
import { idx, tempDir } from '../core/data/files.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const files = tempDir('cosearch-e2e-data-');
afterAll(() => rm(files.dir, { recursive: true, force: true }));

/** n 8×8 images of 4 classes, class c lighting rows 2c and 2c+1 (flip-invariant, learnable in a few steps), as IDX. */
function quadrants(n: number, offset: number): { images: Uint8Array; labels: Uint8Array } {
  const px: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = (i + offset) % 4;
    labels.push(c);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        px.push(y >> 1 === c ? 200 + ((i * 7 + x) % 50) : (i * 13 + y * 3) % 40);
      }
  }
  return { images: idx(0x08, [n, 8, 8], px), labels: idx(0x08, [n], labels) };
}

describe('a dataset with its own test split', () => {
  it('trains on the training file, validates on a seeded part of it, and scores on the whole test file', async () => {
    const train = quadrants(240, 0);
    const test = quadrants(57, 1);
    const uri = files.file('train-images-idx3-ubyte', train.images);
    files.file('train-labels-idx1-ubyte', train.labels);
    const testUri = files.file('t10k-images-idx3-ubyte', test.images);
    files.file('t10k-labels-idx1-ubyte', test.labels);

    const store = new FileStore(join(files.dir, 'store'));
    const spec = tinySpec({
      dataset: { uri, format: 'idx', test: { uri: testUri } },
      strategy: { name: 'random', iterations: 1, batchSize: 2, seed: 5 },
      training: {
        epochs: 4,
        batchSize: 16,
        schedule: 'step',
        warmupFraction: 0.1,
        augment: 'crop+flip',
        cropPadding: 1,
        labelSmoothing: 0.1,
        dropout: 0.2,
        stepsPerChunk: 10,
      },
    });
    await createSearch(store, spec, 'own-test');
    let last: Progress | undefined;
    const run = await runSession(store, 'own-test', {
      workers: 0,
      onProgress: (p) => {
        last = p;
      },
    });
    expect(run.status).toBe('succeeded');
    // Each child left TrainChild three times (24 steps in chunks of 10), and counts once.
    expect(last?.childrenDone).toBe(2);

    const all = await listAll(store, keys.root('own-test'));
    const records = all.filter((k) => k.endsWith('/training.json'));
    expect(records.length).toBeGreaterThan(0);
    let scored = 0;
    for (const k of records) {
      const r = await getJson<Record<string, unknown>>(store, k);
      if (r.status !== 'ok') continue;
      scored++;
      // 240 training images: 90% train (216: 4 epochs at the sampled batch of 32 = 24 steps,
      // in chunks of 10), 10% validation (24).
      expect(r).toMatchObject({ testExamples: 57, valExamples: 24, stepsDone: 24 });
      expect(r.testAccuracy as number).toBeGreaterThan(0.5);
    }
    expect(scored).toBeGreaterThan(0);
  });
});
