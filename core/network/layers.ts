// The exact work a child network does, layer by layer: what the accelerator simulator lowers.
// Shapes are NHWC without the batch dimension; MACs and params are per example.

export type Padding = 'same' | 'valid';

export interface ConvLayer {
  kind: 'conv';
  name: string;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  stride: number;
  padding: Padding;
  outH: number;
  outW: number;
  outC: number;
  bias: boolean;
  macs: number;
  params: number;
}

/** Depthwise conv: one kH×kW filter per input channel (depth multiplier 1). */
export interface DepthwiseLayer extends Omit<ConvLayer, 'kind'> {
  kind: 'depthwise';
}

export interface DenseLayer {
  kind: 'dense';
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  macs: number;
  params: number;
}

export type VectorOp =
  | 'batchnorm'
  | 'relu'
  | 'relu6'
  | 'swish'
  | 'sigmoid'
  | 'add'
  | 'mul'
  | 'avgpool'
  | 'globalavgpool'
  | 'softmax';

/** Element-wise or reduction work: runs on vector units, costs memory traffic. */
export interface VectorLayer {
  kind: 'vector';
  name: string;
  op: VectorOp;
  /** Elements read (all inputs) and written. */
  reads: number;
  writes: number;
  /** Arithmetic operations per example. */
  ops: number;
  params: number;
}

export type Layer = ConvLayer | DepthwiseLayer | DenseLayer | VectorLayer;

export interface NetworkSummary {
  inputShape: [number, number, number];
  numClasses: number;
  layers: Layer[];
  params: number;
  macs: number;
}
