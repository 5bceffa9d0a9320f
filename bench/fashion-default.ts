// The trainer bench's `fashionDefault`: the default child trained with the default Fashion-MNIST
// recipe (FASHION_MNIST_RECIPE: network, hyper-parameters, training settings), scored on the
// official 10,000-image test set. Seeds 0…n-1, each figure the median over seeds (each seed's own
// figures beside it). Target (issue #15): test accuracy ≥ 0.90.
import { loadDataset } from '../core/data/load.js';
import { FASHION_MNIST_RECIPE } from '../core/network/defaults.js';
import { childBudget } from '../core/spec/plan.js';
import { DatasetSpec, TrainingSpec } from '../core/spec/schema.js';
import { median } from '../core/stats.js';
import { initBackend } from '../core/training/backend.js';
import { trainChild } from '../core/training/train.js';
import type { TrainResult } from '../core/training/types.js';

export interface FashionDefault {
  testAccuracy: number;
  examplesPerSec: number;
  trainSeconds: number;
  epochs: number;
  testAccuracyBySeed: number[];
  valAccuracy: number;
  /** The same children after post-training int8 quantization (what the accelerator computes). */
  int8TestAccuracy: number;
  int8DropPoints: number;
  steps: number;
  batchSize: number;
  params: number;
  backend: string;
}

export async function fashionDefault(
  seeds = 3,
  onProgress?: (line: string) => void,
): Promise<FashionDefault> {
  const recipe = FASHION_MNIST_RECIPE;
  const info = await initBackend('auto');
  const data = await loadDataset(DatasetSpec.parse(recipe.dataset), { seed: 0 });
  // One process, not one Lambda invocation: no wall-clock guard cuts the child short here.
  const training = { ...TrainingSpec.parse(recipe.training), maxSeconds: Number.POSITIVE_INFINITY };
  const budget = childBudget(training, recipe.hyperparameters, data.train.n);
  const results: TrainResult[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const r = await trainChild({
      arch: recipe.network,
      hyperparameters: recipe.hyperparameters,
      dataset: data,
      training,
      seed,
      progressEvery: 200,
      onProgress: (p) =>
        onProgress?.(`fashionDefault seed ${seed}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}`),
    });
    if (r.status !== 'ok') throw new Error(`fashionDefault seed ${seed}: ${r.status} (${r.reason ?? ''})`);
    results.push(r);
  }
  const med = (f: (r: TrainResult) => number, digits: number) =>
    Number(median(results.map(f)).toFixed(digits));
  return {
    testAccuracy: med((r) => r.testAccuracy, 4),
    examplesPerSec: med((r) => r.examplesPerSec, 1),
    trainSeconds: med((r) => r.trainSeconds, 1),
    epochs: budget.epochs ?? budget.steps / budget.stepsPerEpoch,
    testAccuracyBySeed: results.map((r) => Number(r.testAccuracy.toFixed(4))),
    valAccuracy: med((r) => r.valAccuracy, 4),
    int8TestAccuracy: med((r) => r.quantized?.testAccuracy ?? Number.NaN, 4),
    int8DropPoints: med((r) => 100 * (r.testAccuracy - (r.quantized?.testAccuracy ?? Number.NaN)), 2),
    steps: budget.steps,
    batchSize: budget.batchSize,
    params: results[0]!.params,
    backend: info.name,
  };
}
