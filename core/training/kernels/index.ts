// The fast kernel packs, best first; initBackend('auto') installs the first that loads.
import { registerKernelPack } from '../backend.js';
import { jsConvImpl } from './conv-impl.js';
import { convKernelPack } from './register.js';

/** Plain-JS loops over typed arrays: always available. */
export const jsKernels = convKernelPack('js', async () => jsConvImpl);

registerKernelPack(jsKernels);
