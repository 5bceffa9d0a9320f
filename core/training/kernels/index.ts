// The fast kernel packs, best first; initBackend('auto') installs the first that loads.
import { registerKernelPack } from '../backend.js';
import { bindingConvImpl, kernelThreadsFromEnv } from './binding.js';
import { jsConvImpl } from './conv-impl.js';
import { loadNative } from './native.js';
import { convKernelPack } from './register.js';
import { loadWasm } from './wasm.js';
import { WasmOutputPool } from './wasm-pool.js';

/** Made once: a reinstalled pack keeps its output pool (and the arrays free in it). */
function once<T>(make: () => T | undefined): () => Promise<T | undefined> {
  let made: T | undefined;
  return async () => {
    made ??= make();
    return made;
  };
}

/** C++ loops compiled on this machine (optional: needs g++ and node headers). */
export const nativeKernels = convKernelPack(
  'native',
  once(() => {
    const { binding } = loadNative();
    if (!binding) return undefined;
    binding.setThreads(kernelThreadsFromEnv());
    return bindingConvImpl('native', binding);
  }),
  () => loadNative().error,
);

/** The same C++ compiled ahead of time to WebAssembly SIMD: any Node 22, no compiler. */
export const wasmKernels = convKernelPack(
  'wasm',
  once(() => {
    const { kernels } = loadWasm();
    if (!kernels) return undefined;
    kernels.setThreads(kernelThreadsFromEnv());
    return bindingConvImpl('wasm', kernels.binding(), new WasmOutputPool(kernels));
  }),
  () => loadWasm().error,
);

/** Plain-JS loops over typed arrays: always available. */
export const jsKernels = convKernelPack('js', async () => jsConvImpl);

registerKernelPack(nativeKernels);
registerKernelPack(wasmKernels);
registerKernelPack(jsKernels);
