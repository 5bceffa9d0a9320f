// Whether the fused training ops (fused-conv.ts, softmax-xent.ts) can run: a kernel pack
// registered their kernels on the cpu backend, and that backend is the active one.
import type { Tf } from '../backend.js';

let installed: Tf | undefined;

/** The tfjs whose cpu backend has the fused kernels, when it is the active backend. */
export function fusedOps(): Tf | undefined {
  return installed?.getBackend() === 'cpu' ? installed : undefined;
}

/** Set by a kernel pack on install (its tfjs), cleared on uninstall. */
export function setFusedOps(tf: Tf | undefined): void {
  installed = tf;
}
