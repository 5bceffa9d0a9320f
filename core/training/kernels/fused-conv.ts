// Conv (or depthwise conv) + bias + ReLU as one training op while a kernel pack is installed on
// the cpu backend. Under autograd tfjs splits a layer's fused conv into conv, add and ReLU: three
// tape entries and three passes over the output forward, a ReLU gradient and a bias sum back.
// Here the pack's conv adds the bias and applies ReLU to each block while it is in cache, and the
// gradient takes the ReLU's step from the output (y > 0 exactly where the pre-activation is), so
// outputs and gradients are the same bits as the split ops'. Each input's gradient is computed
// only when something needs it (the stem's input, the image, never does).
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../backend.js';
import { fusedOps } from './fused.js';

export const CONV_BIAS_ACT = 'CosearchConv2DBiasAct';
export const DEPTHWISE_BIAS_ACT = 'CosearchDepthwiseBiasAct';
/** dy · step(x) in one pass (registered by the pack for the ReLU gradient too). */
export const RELU_GRAD = 'CosearchReluGrad';

export interface ConvBiasActAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  relu: boolean;
}

/** Whether convBiasAct can run now (see fused.ts). */
export function fusedConvActive(): boolean {
  return fusedOps() !== undefined;
}

/** conv2d (or depthwise, multiplier 1) of NHWC x with HWIO filter, + bias, then ReLU if asked. */
export function convBiasAct(
  x: Tensor,
  filter: Tensor,
  bias: Tensor | undefined,
  attrs: ConvBiasActAttrs,
  depthwise: boolean,
): Tensor {
  const tf = fusedOps();
  if (!tf) throw new Error('convBiasAct needs an installed kernel pack');
  const inputs: Record<string, Tensor> = bias ? { x, filter, bias } : { x, filter };
  const name = depthwise ? DEPTHWISE_BIAS_ACT : CONV_BIAS_ACT;
  return tf.engine().runKernel(name, inputs, { ...attrs } as unknown as NamedAttrMap) as Tensor;
}

/** The two ops' gradients (global in tfjs, and only reached through the pack's kernels). */
export function fusedConvGradients(tf: Tf): GradConfig[] {
  const grad =
    (depthwise: boolean): GradConfig['gradFunc'] =>
    (dy, saved, attrs) => {
      const [x, filter, y] = saved as [Tensor, Tensor, Tensor];
      const { strides, pad, relu } = attrs as unknown as ConvBiasActAttrs;
      const run = (kernel: string, inputs: Record<string, Tensor>, a: object) =>
        tf.engine().runKernel(kernel, inputs, a as NamedAttrMap) as Tensor;
      // The pre-activation's gradient, needed by every input's: made once, here rather than in a
      // thunk (tfjs disposes what a thunk makes but does not return).
      const dz = relu ? run(RELU_GRAD, { dy: dy as Tensor, x: y }, {}) : (dy as Tensor);
      const common = { strides, pad, dimRoundingMode: undefined, dilations: [1, 1], dataFormat: 'NHWC' };
      return {
        x: () =>
          run(
            depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput',
            { dy: dz, filter },
            { ...common, inputShape: x.shape },
          ),
        filter: () =>
          run(
            depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter',
            { x, dy: dz },
            { ...common, filterShape: filter.shape },
          ),
        bias: () => tf.sum(dz, [0, 1, 2]),
      };
    };
  return [
    {
      kernelName: CONV_BIAS_ACT,
      inputsToSave: ['x', 'filter'],
      outputsToSave: [true],
      gradFunc: grad(false),
    },
    {
      kernelName: DEPTHWISE_BIAS_ACT,
      inputsToSave: ['x', 'filter'],
      outputsToSave: [true],
      gradFunc: grad(true),
    },
  ];
}
