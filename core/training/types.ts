// What training one child returns. Every field is reported; only the accuracies feed decisions.
export type TrainStatus = 'ok' | 'failed' | 'cutShort';

export interface TrainResult {
  status: TrainStatus;
  /** Why the child failed or was cut short. */
  reason?: string;
  testAccuracy: number;
  valAccuracy: number;
  /** How many examples each accuracy was measured on: the whole split, in batches. */
  testExamples?: number;
  valExamples?: number;
  trainSeconds: number;
  examplesPerSec: number;
  stepsDone: number;
  params: number;
  macs: number;
  backend: string;
  /** The trained child after post-training quantization (core/quantize), scored on the same splits. */
  quantized?: QuantizedScore;
  /** Training loss as [step, loss] at up to LOSS_CURVE_POINTS evenly spaced steps (for the report). */
  lossCurve?: [number, number][];
}

export interface QuantizedScore {
  /** Bits per weight (per-channel symmetric); activations have `activationBits` (per-tensor affine). */
  weightBits: number;
  activationBits: number;
  /** Training examples the activation ranges were calibrated on. */
  calibrationExamples: number;
  valAccuracy: number;
  testAccuracy: number;
}
