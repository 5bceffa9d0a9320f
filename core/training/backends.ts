// The one vocabulary of training backends, shared by the trainer, results.json, the cost model,
// the CLI and infra. Pure data: importing it never loads tfjs.

/** Every backend a child can train on, fastest first: the order `auto` tries them in. */
export const BACKEND_NAMES = ['tensorflow', 'cpu+native', 'cpu+wasm', 'cpu+js', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What a caller may ask for: `auto` (the fastest that loads here) or one backend by name. */
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(s);
}

/** The kernel pack a `cpu+<pack>` backend installs over tfjs's cpu backend, else undefined. */
export function kernelPackOf(name: BackendName): string | undefined {
  return name.startsWith('cpu+') ? name.slice('cpu+'.length) : undefined;
}

/** How the cloud trainer is packaged (infra context `cosearch:trainer`). */
export type TrainerPackaging = 'zip' | 'image';
export const DEFAULT_TRAINER_PACKAGING: TrainerPackaging = 'zip';

/**
 * The backend each packaging really runs. The zip bundle has no g++ (so no native pack) and no
 * libtensorflow, but carries the WebAssembly kernels (test/infra/bundle.test.ts trains a child
 * from the built bundle and checks); the container image installs tfjs-node. Infra sets the API's
 * pricing from this, and `cosearch validate` prices the default packaging, so every caller quotes
 * the same cost.
 */
export const TRAINER_BACKEND: Record<TrainerPackaging, BackendName> = {
  zip: 'cpu+wasm',
  image: 'tensorflow',
};

/**
 * The backend the deployed trainer runs, from the COSEARCH_TRAINER_BACKEND that infra sets on
 * every function; unset (a local run) means the default packaging's.
 */
export function trainerBackendFromEnv(value: string | undefined): BackendName {
  if (value === undefined || value === '') return TRAINER_BACKEND[DEFAULT_TRAINER_PACKAGING];
  if (!isBackendName(value))
    throw new Error(`COSEARCH_TRAINER_BACKEND must be one of ${BACKEND_NAMES.join(', ')}; got "${value}"`);
  return value;
}

/**
 * How the cloud trainer functions (TrainChild, SupernetChunk) are sized. Lambda gives 1 vCPU per
 * 1,769 MB, so 3,538 MB is 2 vCPUs, and the kernels run one thread per vCPU: bench trainer
 * measured 2 threads at 1.21-1.50x one thread for cpu+wasm (its streaming ops are bound by the
 * cores' shared memory bandwidth), which makes a child cost 0.78-0.97x what it did at 3,008 MB on
 * one thread, and faster; 6 vCPUs bought about 1.5x the speed for about 2x the cost per child.
 * Infra deploys this and the cost model prices it.
 */
export const TRAINER_LAMBDA = { memoryMB: 3538, threads: 2 } as const;
