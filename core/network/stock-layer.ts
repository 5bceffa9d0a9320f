// The trainer's fast layers subclass tfjs-layers' own classes, which the package does not export:
// they are taken from its serialization registry by class name.
import * as tf from '@tensorflow/tfjs';

/** tfjs-layers' registered class `name`, as a constructor of layers of type L. */
export function stockLayerClass<L, A>(name: string): new (args: A) => L {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  if (!entry) throw new Error(`tfjs-layers has no ${name} class registered`);
  return entry[0] as unknown as new (
    args: A,
  ) => L;
}
