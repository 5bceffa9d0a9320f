// A TrainChild stub for tests about the loop, not training: a deterministic record per candidate.
import { keys } from '../../core/engine/keys.js';
import { putJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';
import type { LocalHandler } from '../../local/runner.js';

/** The stub's validation accuracy for a candidate, fixed by its id. */
export const stubAccuracy = (cid: string): number => (Number.parseInt(cid.slice(0, 4), 16) % 90) / 100 + 0.05;

export interface StubOptions {
  /** Runs before each child's record is written (to act mid-search). */
  onTrain?: (iteration: number) => Promise<void>;
  /** Test accuracy = validation accuracy + this, so a test can tell which one was used. */
  testOffset?: number;
}

export function stubTrainer(store: Store, options: StubOptions = {}): LocalHandler {
  return async (input) => {
    const { searchId, iteration, cid } = input as { searchId: string; iteration: number; cid: string };
    await options.onTrain?.(iteration);
    const acc = stubAccuracy(cid);
    await putJson(store, keys.training(searchId, iteration, cid), {
      cid,
      status: 'ok',
      testAccuracy: acc + (options.testOffset ?? 0),
      valAccuracy: acc,
      trainSeconds: 2,
      examplesPerSec: 100,
      stepsDone: 5,
      params: 1000,
      macs: 1000,
      backend: 'stub',
      // The accelerator's integer datapath: the reward reads the quantized accuracy by default.
      quantized: {
        weightBits: 8,
        activationBits: 8,
        calibrationExamples: 0,
        valAccuracy: acc,
        testAccuracy: acc + (options.testOffset ?? 0),
      },
    });
    return { cid, status: 'ok' };
  };
}
