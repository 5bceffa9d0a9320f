// Conv2D and DepthwiseConv2D layers whose training-mode calls take faster routes to the same bits.
// They serialize as the stock classes, so saved models load anywhere.
//
// - A conv with no bias and no activation (the children's) is tf.conv2d rather than tfjs-layers'
//   fused conv, whose gradient computes the input's gradient whether or not anything needs it;
//   the stem's input is the image (about 1.2 ms of a 41 ms step for fashion-bench's first
//   network). conv2d's registered gradient computes each input's only when asked.
// - A conv with a bias or a ReLU, while a kernel pack is installed, is one fused op
//   (training/kernels/fused-conv.ts) instead of tfjs's conv, add and ReLU.
import * as tf from '@tensorflow/tfjs';
import { convBiasAct, fusedConvActive } from '../training/kernels/fused-conv.js';
import { stockLayerClass } from './stock-layer.js';

type Tensor = tf.Tensor;
type Conv2D = ReturnType<typeof tf.layers.conv2d>;
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Parameters<Conv2D['call']>[1];

interface Internals {
  kernel: { read(): Tensor };
  bias: { read(): Tensor } | null;
  activation: { getClassName(): string } | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
}

/** The activation as the fused op takes it: none, ReLU, or undefined for any other. */
function fusedActivation(a: Internals['activation']): { relu: boolean } | undefined {
  const name = a?.getClassName() ?? 'linear';
  if (name === 'linear') return { relu: false };
  if (name === 'relu') return { relu: true };
  return undefined;
}

/** Whether a training call can take a fast route: channels last, no dilation, a known padding. */
function plainLayout(self: Pick<Internals, 'dataFormat' | 'padding' | 'dilationRate'>, x: Tensor): boolean {
  return (
    self.dataFormat === 'channelsLast' &&
    (self.padding === 'same' || self.padding === 'valid') &&
    self.dilationRate.every((d) => d === 1) &&
    x.rank === 4
  );
}

const Base = stockLayerClass<Conv2D, Conv2DArgs>('Conv2D');

export class FastConv2D extends Base {
  // Saved models name the stock class, so they load without this one.
  static className = 'Conv2D';

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const self = this as unknown as Internals;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const act = fusedActivation(self.activation);
    if (kwargs.training !== true || !act || !plainLayout(self, x)) return super.call(inputs, kwargs);
    const pad = self.padding as 'same' | 'valid';
    if (fusedConvActive() && (self.bias || act.relu)) {
      const attrs = { strides: self.strides, pad, relu: act.relu };
      return convBiasAct(x, self.kernel.read(), self.bias?.read(), attrs, false);
    }
    if (self.bias || act.relu) return super.call(inputs, kwargs);
    return tf.conv2d(x as tf.Tensor4D, self.kernel.read() as tf.Tensor4D, self.strides, pad);
  }
}

type DepthwiseConv2D = ReturnType<typeof tf.layers.depthwiseConv2d>;
type DepthwiseArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];
type DepthwiseKwargs = Parameters<DepthwiseConv2D['call']>[1];

const DepthwiseBase = stockLayerClass<DepthwiseConv2D, DepthwiseArgs>('DepthwiseConv2D');

export class FastDepthwiseConv2D extends DepthwiseBase {
  static className = 'DepthwiseConv2D';

  override call(inputs: Tensor | Tensor[], kwargs: DepthwiseKwargs): Tensor | Tensor[] {
    const self = this as unknown as Omit<Internals, 'kernel'> & {
      depthwiseKernel: { read(): Tensor };
      depthMultiplier: number;
    };
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const act = fusedActivation(self.activation);
    const fused =
      kwargs.training === true &&
      fusedConvActive() &&
      act !== undefined &&
      (self.bias || act.relu) &&
      self.depthMultiplier === 1 &&
      plainLayout(self, x);
    if (!fused) return super.call(inputs, kwargs);
    const attrs = { strides: self.strides, pad: self.padding as 'same' | 'valid', relu: act.relu };
    return convBiasAct(x, self.depthwiseKernel.read(), self.bias?.read(), attrs, true);
  }
}
