// The fast kernel packs, best first; initBackend('auto') installs the first that loads.
import { registerKernelPack } from '../backend.js';
import { jsConvImpl } from './conv-impl.js';
import { loadNative, nativeConvImpl } from './native.js';
import { convKernelPack } from './register.js';

/** C++ loops compiled on this machine (optional: needs g++ and node headers). */
export const nativeKernels = convKernelPack(
  'native',
  async () => {
    const { binding } = loadNative();
    return binding ? nativeConvImpl(binding) : undefined;
  },
  () => loadNative().error,
);

/** Plain-JS loops over typed arrays: always available. */
export const jsKernels = convKernelPack('js', async () => jsConvImpl);

registerKernelPack(nativeKernels);
registerKernelPack(jsKernels);
