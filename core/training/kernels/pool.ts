// Reuses the output arrays of the native kernels once tfjs has disposed their tensors. Every new
// ArrayBuffer counts as V8 external memory, and at ~50 MB of fresh buffers per training step V8
// ran a full mark-compact of the JS heap about once a step; recycled arrays allocate nothing.
//
// An array is recycled only when nothing else can still see it: its tensor's data was deleted
// by the cpu backend (refcount zero), it was never handed out by readSync/read (dataSync(),
// data(), arraySync() return the backend's own array), and no kernel output was a view of it
// (the cpu backend's contiguous Slice returns a subarray of its input).
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../backend.js';
import type { CpuData } from '../cpu-data.js';

interface CpuBackend {
  data: { get(id: object): CpuData | undefined; has(id: object): boolean };
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
}

/** Where a kernel pack's outputs come from, and how they come back once tfjs is done with them. */
export interface OutputArrays {
  /** An array of n floats with arbitrary contents (the kernels overwrite all of it). */
  alloc(n: number): Float32Array;
  /** Hooks the cpu backend while the pack is installed. */
  attach(tf: Tf): void;
  detach(): void;
}

export class OutputPool implements OutputArrays {
  private free = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  /** Arrays this pool made, by their buffer (to spot views of them). */
  private ours = new WeakMap<ArrayBufferLike, Float32Array>();
  private escaped = new WeakSet<Float32Array>();
  private restore: (() => void)[] = [];

  constructor(readonly maxBytes = 256 << 20) {}

  /** An array of n floats with arbitrary contents (the kernels overwrite all of it). */
  alloc(n: number): Float32Array {
    const a = this.free.get(n)?.pop();
    if (a) {
      this.pooledBytes -= a.byteLength;
      return a;
    }
    const b = new Float32Array(n);
    this.ours.set(b.buffer, b);
    return b;
  }

  private release(v: unknown): void {
    if (!(v instanceof Float32Array) || this.ours.get(v.buffer) !== v || this.escaped.has(v)) return;
    if (this.pooledBytes + v.byteLength > this.maxBytes) return;
    const list = this.free.get(v.length);
    if (list) list.push(v);
    else this.free.set(v.length, [v]);
    this.pooledBytes += v.byteLength;
  }

  private escape(v: unknown): void {
    if (ArrayBuffer.isView(v)) {
      const mine = this.ours.get(v.buffer);
      if (mine) this.escaped.add(mine);
    }
  }

  /** Wraps a kernel so that an output sharing memory with an input pins that input's array. */
  private guard(f: KernelFunc): KernelFunc {
    return (args) => {
      const out = f(args);
      const be = args.backend as unknown as CpuBackend;
      const outs = Array.isArray(out) ? out : [out];
      for (const o of outs as TensorInfo[]) {
        const ov = be.data.get(o.dataId)?.values;
        if (!ArrayBuffer.isView(ov) || !this.ours.has(ov.buffer)) continue;
        for (const t of Object.values(args.inputs))
          if (t && t.dataId !== o.dataId && be.data.get(t.dataId)?.values === this.ours.get(ov.buffer))
            this.escape(ov);
      }
      return out;
    };
  }

  /** Hooks the cpu backend's dispose and reads, and guards every cpu kernel. */
  attach(tf: Tf): void {
    if (this.restore.length > 0) return;
    const be = tf.findBackend('cpu') as unknown as CpuBackend | undefined;
    if (!be) return;
    const own = Object.hasOwn(be, 'disposeData') || Object.hasOwn(be, 'readSync');
    if (own) return; // someone else patched it: stay out
    const dispose = be.disposeData;
    const read = be.readSync;
    be.disposeData = (dataId, force) => {
      const v = be.data.get(dataId)?.values;
      const r = dispose.call(be, dataId, force);
      if (v !== undefined && !be.data.has(dataId)) this.release(v);
      return r;
    };
    be.readSync = (dataId) => {
      const v = read.call(be, dataId);
      this.escape(v);
      return v;
    };
    const configs: KernelConfig[] = tf.getKernelsForBackend('cpu');
    for (const cfg of configs) {
      tf.unregisterKernel(cfg.kernelName, 'cpu');
      tf.registerKernel({ ...cfg, kernelFunc: this.guard(cfg.kernelFunc) });
    }
    this.restore.push(() => {
      for (const cfg of configs) {
        tf.unregisterKernel(cfg.kernelName, 'cpu');
        tf.registerKernel(cfg);
      }
      delete (be as Partial<CpuBackend>).disposeData;
      delete (be as Partial<CpuBackend>).readSync;
    });
  }

  /**
   * Unhooks the backend. Arrays tensors still hold become foreign (while unhooked, a read would
   * go unnoticed, so they are never recycled); the free ones stay for the next attach.
   */
  detach(): void {
    for (const r of this.restore.splice(0)) r();
    this.ours = new WeakMap();
    this.escaped = new WeakSet();
    for (const list of this.free.values()) for (const a of list) this.ours.set(a.buffer, a);
  }
}
