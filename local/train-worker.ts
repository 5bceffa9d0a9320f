// One training worker: opens the store by URI and runs the TrainChild step for each job.
import { parentPort } from 'node:worker_threads';
import { trainCandidate } from '../core/engine/steps.js';
import { s3Reader } from '../lambdas/lib/context.js';
import { openStore } from '../lambdas/store/open-store.js';
import type { TrainJob } from './train-pool.js';

const readBytes = s3Reader();

parentPort!.on('message', async (job: TrainJob) => {
  try {
    const value = await trainCandidate({ store: openStore(job.storeUri), readBytes }, job.input);
    parentPort!.postMessage({ ok: true, value });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ ok: false, error: err.message, name: err.name });
  }
});
