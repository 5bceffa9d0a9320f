// What a candidate is: one network, one accelerator, one set of hyper-parameters.
import type { Augmentation, BlockType, Dataflow, LrScheduleName } from '../spec/schema.js';

export type DecisionValue = string | number | boolean;
export type DecisionGroup = 'network' | 'accelerator' | 'hyperparameters';

export interface Decision {
  /** Dotted name, e.g. `network.stage1.kernel`. */
  name: string;
  group: DecisionGroup;
  choices: readonly DecisionValue[];
}

export interface StageArch {
  block: BlockType;
  kernel: 3 | 5 | 7;
  /** Absent for plain-conv blocks, where it has no effect. */
  expansion?: 1 | 3 | 6;
  filters: number;
  layers: number;
  squeezeExcite: boolean;
  stride: 1 | 2;
}

export interface NetworkArch {
  template: 'mobile-cnn';
  stemFilters: number;
  /** Stem conv kernel; absent means 3 (ARCH_DEFAULTS in core/network/mobile-cnn.ts). */
  stemKernel?: 3 | 5 | 7;
  /** Stem conv stride; absent means 1. */
  stemStride?: 1 | 2;
  /** Scales stemFilters and every stage's filters (scaledWidth); absent means 1, filters as given. */
  widthMultiplier?: number;
  stages: StageArch[];
}

export interface SystolicConfig {
  template: 'systolic';
  rows: number;
  cols: number;
  dataflow: Dataflow;
  ifmapSramKB: number;
  filterSramKB: number;
  ofmapSramKB: number;
  /** Words per cycle; absent means SCALE-Sim CALC mode. */
  bandwidthWordsPerCycle?: number;
  /** Bits per weight (activations are 8-bit); absent means 8. */
  weightBits?: 8 | 4;
  clockMHz: number;
}

export interface PeArrayConfig {
  template: 'pe-array';
  pesX: number;
  pesY: number;
  simdUnits: number;
  computeLanes: number;
  localMemoryMB: number;
  registerFileKB: number;
  ioBandwidthGBps: number;
  /** Bits per weight (activations are 8-bit); absent means 8. */
  weightBits?: 8 | 4;
  clockMHz: number;
}

export type AcceleratorConfig = SystolicConfig | PeArrayConfig;

export interface Hyperparameters {
  learningRate: number;
  weightDecay: number;
  optimizer: 'adam' | 'sgd';
  batchSize: number;
  epochs?: number;
  /** Recipe decisions (see HyperparameterSpace); absent means the spec's training setting. */
  schedule?: LrScheduleName;
  warmupFraction?: number;
  labelSmoothing?: number;
  dropout?: number;
  augment?: Augmentation;
}

export interface Candidate {
  /** Hash of the canonical decisions. */
  id: string;
  /** One token (choice index) per decision of the space, canonicalized. */
  tokens: number[];
  network: NetworkArch;
  accelerator: AcceleratorConfig;
  hyperparameters: Hyperparameters;
}
