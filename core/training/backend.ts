// The one place that picks the tfjs backend. tfjs-node (native libtensorflow) where it loads;
// otherwise @tensorflow/tfjs on the cpu backend, optionally with the project's fast kernels on top.
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CHOICES, type BackendChoice, type BackendName, kernelPackOf } from './backends.js';

export type Tf = typeof tf;
export type { BackendChoice, BackendName };

export interface BackendInfo {
  /** Reported in every result. */
  name: BackendName;
  /** Why a faster path was not taken (missing native binding, ...). */
  notes: string[];
}

/** Extra kernels registered over the cpu backend's (installed by kernels/*.ts). */
export interface KernelPack {
  name: string;
  /** Registers the kernels; returns false (and changes nothing) when they cannot load here. */
  install(tfm: Tf): Promise<boolean>;
  uninstall(tfm: Tf): void;
  /** Why install returned false, when known. */
  unavailableReason?(): string | undefined;
}

const kernelPacks: KernelPack[] = [];
/** Lets a kernel module offer itself without backend.ts importing it (and its binary) eagerly. */
export function registerKernelPack(pack: KernelPack): void {
  if (!kernelPacks.some((p) => p.name === pack.name)) kernelPacks.push(pack);
}

let current: { choice: BackendChoice; info: BackendInfo } | undefined;
let activePack: KernelPack | undefined;
let tfjsNodeTried: { ok: boolean; error?: string } | undefined;

async function tryTfjsNode(): Promise<{ ok: boolean; error?: string }> {
  if (tfjsNodeTried) return tfjsNodeTried;
  try {
    // A variable specifier: the package is optional and may be absent at type-check time too.
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
    // A broken binding can import yet fail on first use: run one op before trusting it.
    if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" did not initialize');
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
    tfjsNodeTried = { ok: true };
  } catch (e) {
    tfjsNodeTried = { ok: false, error: (e as Error).message.split('\n')[0] ?? 'unknown error' };
  }
  return tfjsNodeTried;
}

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend did not initialize');
  await tf.ready();
}

/** The choice COSEARCH_BACKEND asks for, checked: a typo must not silently mean `auto`. */
export function backendChoiceFromEnv(env: NodeJS.ProcessEnv = process.env): BackendChoice {
  const v = env.COSEARCH_BACKEND;
  if (v === undefined || v === '') return 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(v))
    throw new Error(`COSEARCH_BACKEND must be one of ${BACKEND_CHOICES.join(', ')}; got "${v}"`);
  return v as BackendChoice;
}

/**
 * Selects (once per choice) and returns the backend; the tf module is the exported `tf`.
 * `auto` takes the first of BACKEND_NAMES that loads here; a named backend fails if it cannot load.
 */
export async function initBackend(choice: BackendChoice = backendChoiceFromEnv()): Promise<BackendInfo> {
  if (current?.choice === choice) return current.info;
  // Speed, and silences the "install tfjs-node" banner; debug checks are not needed in training.
  tf.enableProdMode();
  if (activePack) {
    activePack.uninstall(tf);
    activePack = undefined;
  }
  const notes: string[] = [];
  let name: BackendName | undefined;
  if (choice === 'auto' || choice === 'tensorflow') {
    const r = await tryTfjsNode();
    if (r.ok) {
      await tf.setBackend('tensorflow');
      name = 'tensorflow';
    } else {
      if (choice === 'tensorflow') throw new Error(`@tensorflow/tfjs-node is not usable here: ${r.error}`);
      notes.push(`tfjs-node unavailable: ${r.error}`);
    }
  }
  if (!name) {
    await useCpu();
    name = 'cpu';
    const wanted = choice === 'auto' ? undefined : kernelPackOf(choice);
    if (choice === 'auto' || wanted) {
      // Registers the packs: a caller that never imported the trainer (the supernet) gets them too.
      await import('./kernels/index.js');
      for (const pack of kernelPacks) {
        if (wanted && pack.name !== wanted) continue;
        if (await pack.install(tf)) {
          activePack = pack;
          name = `cpu+${pack.name}` as BackendName;
          break;
        }
        notes.push(
          `kernels "${pack.name}" unavailable${pack.unavailableReason ? `: ${pack.unavailableReason()}` : ''}`,
        );
      }
      if (wanted && !activePack)
        throw new Error(`backend ${choice} is not available here: ${notes.join('; ')}`);
    }
  }
  current = { choice, info: { name, notes } };
  return current.info;
}

export { tf };
