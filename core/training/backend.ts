// The one place that picks the tfjs backend. tfjs-node (native libtensorflow) where it loads;
// otherwise @tensorflow/tfjs on the cpu backend, optionally with the project's fast kernels on top.
import * as tf from '@tensorflow/tfjs';

export type Tf = typeof tf;

/**
 * auto: tensorflow if it loads, else cpu+fast kernels if available, else cpu.
 * tensorflow / cpu / cpu-fast force one path (tensorflow and cpu-fast fail if unavailable).
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'cpu' | 'cpu-fast';

export interface BackendInfo {
  /** Reported in every result: 'tensorflow', 'cpu' or 'cpu+<kernels>'. */
  name: string;
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

/** Selects (once per choice) and returns the backend; the tf module is the exported `tf`. */
export async function initBackend(
  choice: BackendChoice = (process.env.COSEARCH_BACKEND as BackendChoice | undefined) ?? 'auto',
): Promise<BackendInfo> {
  if (current?.choice === choice) return current.info;
  // Speed, and silences the "install tfjs-node" banner; debug checks are not needed in training.
  tf.enableProdMode();
  if (activePack) {
    activePack.uninstall(tf);
    activePack = undefined;
  }
  const notes: string[] = [];
  let name: string | undefined;
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
    if (choice === 'auto' || choice === 'cpu-fast') {
      // Registers the packs: a caller that never imported the trainer (the supernet) gets them too.
      await import('./kernels/index.js');
      for (const pack of kernelPacks) {
        if (await pack.install(tf)) {
          activePack = pack;
          name = `cpu+${pack.name}`;
          break;
        }
        notes.push(
          `kernels "${pack.name}" unavailable${pack.unavailableReason ? `: ${pack.unavailableReason()}` : ''}`,
        );
      }
      if (choice === 'cpu-fast' && !activePack)
        throw new Error(`no fast kernels available: ${notes.join('; ')}`);
    }
  }
  current = { choice, info: { name, notes } };
  return current.info;
}

export { tf };
