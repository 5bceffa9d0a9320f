// One training worker: opens the store by URI and runs the job's step (TrainChild, or an
// AutoHAS SupernetChunk).
import { parentPort } from 'node:worker_threads';
import { supernetChunk } from '../core/engine/autohas.js';
import { trainCandidate } from '../core/engine/train.js';
import { s3Reader } from '../lambdas/lib/context.js';
import { openStore } from '../lambdas/store/open-store.js';
import type { TrainJob } from './train-pool.js';

const readBytes = s3Reader();

parentPort!.on('message', async (job: TrainJob) => {
  try {
    const ctx = { store: openStore(job.storeUri), readBytes };
    const value =
      job.step === 'supernetChunk'
        ? await supernetChunk(ctx, job.input)
        : await trainCandidate(ctx, job.input);
    parentPort!.postMessage({ ok: true, value });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ ok: false, error: err.message, name: err.name });
  }
});
