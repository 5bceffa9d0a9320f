// What training one child returns. Every field is reported; only the accuracies feed decisions.
export type TrainStatus = 'ok' | 'failed' | 'cutShort';

export interface TrainResult {
  status: TrainStatus;
  /** Why the child failed or was cut short. */
  reason?: string;
  testAccuracy: number;
  valAccuracy: number;
  trainSeconds: number;
  examplesPerSec: number;
  stepsDone: number;
  params: number;
  macs: number;
  backend: string;
}
