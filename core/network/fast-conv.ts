// A Conv2D whose training-mode call, for the children's convs (no bias, no activation, channels
// last), is tf.conv2d rather than tfjs-layers' fused conv. The fused op's gradient computes the
// input's gradient whether or not anything needs it, and the stem's input is the image: about
// 1.2 ms of a 41 ms step for fashion-bench's first network. conv2d's registered gradient computes
// each input's only when asked. The forward pass and the gradients run the same kernels, so the
// results are the same bits. It serializes as a plain `Conv2D`, so saved models load anywhere.
import * as tf from '@tensorflow/tfjs';

type Tensor = tf.Tensor;
type Conv2D = ReturnType<typeof tf.layers.conv2d>;
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Parameters<Conv2D['call']>[1];

interface Internals {
  kernel: { read(): Tensor };
  bias: unknown;
  activation: { getClassName(): string } | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
}

const entry = tf.serialization.SerializationMap.getMap().classNameMap.Conv2D;
if (!entry) throw new Error('tfjs-layers has no Conv2D class registered');
const Base = entry[0] as unknown as new (args: Conv2DArgs) => Conv2D;

export class FastConv2D extends Base {
  // Saved models name the stock class, so they load without this one.
  static className = 'Conv2D';

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const self = this as unknown as Internals;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const plain =
      kwargs.training === true &&
      self.bias == null &&
      (self.activation === null || self.activation.getClassName() === 'linear') &&
      self.dataFormat === 'channelsLast' &&
      (self.padding === 'same' || self.padding === 'valid') &&
      self.dilationRate.every((d) => d === 1) &&
      x.rank === 4;
    if (!plain) return super.call(inputs, kwargs);
    return tf.conv2d(
      x as tf.Tensor4D,
      self.kernel.read() as tf.Tensor4D,
      self.strides,
      self.padding as 'same' | 'valid',
    );
  }
}
