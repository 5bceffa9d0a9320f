// Kernel outputs that live in the WebAssembly module's memory: the next kernel reads them where
// they are, so a chain of kernels copies nothing in or out. Copying every input in and every output
// out cost about as much as the arithmetic of the elementwise kernels.
//
// Such an array (a view of the module's shared memory) is only ever held by the cpu backend's data
// entries, which this class hooks: an entry created with one (write, move) counts a reference to
// its block, and the block is freed when the last entry holding it (or a view into it, as a
// contiguous Slice makes) is disposed. Nothing outside tfjs's kernels ever sees such a view: a
// read (dataSync, data, arraySync; all go through readSync) first swaps the entry's values for a
// plain copy, so what callers get is an ordinary array that no kernel will ever overwrite.
import type { Tf } from '../backend.js';
import type { OutputArrays } from './pool.js';
import type { WasmKernels } from './wasm.js';

interface CpuData {
  values?: unknown;
}
interface CpuBackend {
  data: { get(id: object): CpuData | undefined; has(id: object): boolean };
  write(values: unknown, shape: number[], dtype: string): object;
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
}
const HOOKED = ['write', 'move', 'disposeData', 'readSync'] as const;

export class WasmOutputPool implements OutputArrays {
  /** Live blocks by address: their size and how many data entries hold them. */
  private blocks = new Map<number, { bytes: number; refs: number; unclaimed?: object }>();
  /** The block each hooked data entry holds (part of). */
  private entries = new WeakMap<object, number>();
  /** Frees a block whose array was dropped before any tensor took it (a kernel that threw). */
  private lost = new FinalizationRegistry<number>((ptr) => {
    const b = this.blocks.get(ptr);
    if (b && b.refs === 0) this.free(ptr);
  });
  private restore: (() => void)[] = [];

  constructor(private readonly k: WasmKernels) {}

  alloc(n: number): Float32Array {
    const ptr = this.k.malloc(n * 4);
    const a = this.k.view(ptr, n);
    const unclaimed = {};
    this.lost.register(a, ptr, unclaimed);
    this.blocks.set(ptr, { bytes: n * 4, refs: 0, unclaimed });
    return a;
  }

  /** Live blocks (tests check that disposing every tensor frees them all). */
  liveBlocks(): number {
    return this.blocks.size;
  }

  private blockOf(v: unknown): number | undefined {
    if (!(v instanceof Float32Array) || !this.k.owns(v)) return undefined;
    const at = v.byteOffset;
    if (this.blocks.has(at)) return at;
    for (const [ptr, b] of this.blocks) if (at >= ptr && at < ptr + b.bytes) return ptr;
    return undefined;
  }

  private claim(dataId: object, values: unknown): void {
    const ptr = this.blockOf(values);
    if (ptr === undefined) return;
    const b = this.blocks.get(ptr)!;
    b.refs++;
    if (b.unclaimed) {
      this.lost.unregister(b.unclaimed);
      b.unclaimed = undefined;
    }
    this.entries.set(dataId, ptr);
  }

  private release(dataId: object): void {
    const ptr = this.entries.get(dataId);
    if (ptr === undefined) return;
    this.entries.delete(dataId);
    const b = this.blocks.get(ptr);
    if (b && --b.refs === 0) this.free(ptr);
  }

  private free(ptr: number): void {
    this.blocks.delete(ptr);
    this.k.free(ptr);
  }

  attach(tf: Tf): void {
    if (this.restore.length > 0) return;
    const be = tf.findBackend('cpu') as unknown as CpuBackend | undefined;
    if (!be || HOOKED.some((m) => Object.hasOwn(be, m))) return; // someone else patched it: stay out
    const { write, move, disposeData, readSync } = be;
    be.write = (values, shape, dtype) => {
      const id = write.call(be, values, shape, dtype);
      this.claim(id, values);
      return id;
    };
    be.move = (dataId, values, shape, dtype, refCount) => {
      this.release(dataId);
      move.call(be, dataId, values, shape, dtype, refCount);
      this.claim(dataId, values);
    };
    be.disposeData = (dataId, force) => {
      const r = disposeData.call(be, dataId, force);
      if (!be.data.has(dataId)) this.release(dataId);
      return r;
    };
    be.readSync = (dataId) => {
      if (this.entries.has(dataId)) {
        const d = be.data.get(dataId)!;
        d.values = (d.values as Float32Array).slice();
        this.release(dataId);
      }
      return readSync.call(be, dataId);
    };
    this.restore.push(() => {
      for (const m of HOOKED) delete (be as Partial<CpuBackend>)[m];
    });
  }

  /**
   * Unhooks the backend. Tensors still holding blocks keep them (never freed, never reused, since
   * while unhooked a read or a dispose would go unnoticed), so they stay valid.
   */
  detach(): void {
    for (const r of this.restore.splice(0)) r();
    this.blocks = new Map();
    this.entries = new WeakMap();
  }
}
