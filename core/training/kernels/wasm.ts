// The WebAssembly kernels: the C++ of native/kernels compiled ahead of time to one SIMD module
// (scripts/build-wasm.ts, committed as wasm-binary.ts), so every Node has them without a compiler:
// the Lambda zip, and machines without g++. Arrays are copied into the module's memory, the
// kernel runs there, and the output is copied out into an array of the output pool.
//
// Threads: the module's memory is shared; a helper is a worker thread that instantiates the same
// module over that memory and waits inside it for pieces of work (native/kernels/pool.cc). They
// are started once, when the thread count first asks for them, and never per call.
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Binding } from './binding.js';
import { EW } from './elementwise.js';
import { WASM_BASE64, WASM_MEMORY } from './wasm-binary.js';

interface Exports {
  cs_malloc(bytes: number): number;
  cs_free(ptr: number): void;
  cs_matmul(a: number, b: number, out: number, geom: number): void;
  cs_conv(op: number, a: number, b: number, geom: number, out: number, bias: number, relu: number): number;
  cs_ew(op: number, a: number, b: number, out: number, n: number, c: number, nb: number): void;
  cs_channel_sum(x: number, out: number, outer: number, inner: number, c: number, mean: number): void;
  cs_bn_train(
    x: number,
    rows: number,
    c: number,
    gamma: number,
    beta: number,
    eps: number,
    y: number,
    mean: number,
    variance: number,
    xhat: number,
    invStd: number,
    relu: number,
  ): void;
  cs_bn_grad(
    dy: number,
    xhat: number,
    invStd: number,
    gamma: number,
    rows: number,
    c: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    reluOut: number,
  ): void;
  cs_set_threads(n: number): number;
  cs_helpers_started(): number;
  cs_helper_pieces(): number;
  cs_set_stack(top: number): void;
}

// The few WebAssembly JS API types used here (the project's TS lib has no DOM/WebAssembly types).
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
type WasmModule = object;
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Stack of each helper thread (the kernels keep little on it). */
const HELPER_STACK_BYTES = 256 << 10;

// Runs in each helper: the same module over the same memory, its own stack, then the pool's
// wait loop, which never returns (the worker is unref'd, so it never holds the process open).
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, stackTop } = workerData;
const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
x.cs_set_stack(stackTop);
x.cs_helper();
`;

/** The loaded module: one per JS thread (each worker of a training pool has its own). */
export class WasmKernels {
  readonly memory: WasmMemory;
  private readonly x: Exports;
  private helpers: Worker[] = [];
  /** Every SharedArrayBuffer object views of the memory were made on (growing makes a new one). */
  private buffers = new WeakSet<ArrayBufferLike>();

  constructor(private readonly module: WasmModule) {
    this.memory = new WA.Memory({
      initial: WASM_MEMORY.initialPages,
      maximum: WASM_MEMORY.maximumPages,
      shared: true,
    });
    this.x = new WA.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
  }

  /** Threads the kernels may use, this one included; returns the previous count. */
  setThreads(n: number): number {
    const t = Math.max(1, Math.min(64, Math.floor(n)));
    while (this.helpers.length < t - 1) {
      const stack = this.x.cs_malloc(HELPER_STACK_BYTES);
      if (!stack) break;
      const w = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: { module: this.module, memory: this.memory, stackTop: stack + HELPER_STACK_BYTES },
      });
      w.unref();
      this.helpers.push(w);
    }
    return this.x.cs_set_threads(t);
  }

  /** Helpers that have reached the pool (they start asynchronously; the kernels use those ready). */
  helpersReady(): number {
    return this.x.cs_helpers_started();
  }

  /** n bytes of the module's memory (16-byte aligned); throws when it cannot grow that far. */
  malloc(bytes: number): number {
    const p = this.x.cs_malloc(bytes);
    if (!p) throw new RangeError(`wasm kernels: out of memory for ${bytes} bytes`);
    return p;
  }

  free(ptr: number): void {
    this.x.cs_free(ptr);
  }

  /** A Float32Array over n floats of the module's memory at ptr. */
  view(ptr: number, n: number): Float32Array {
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    return new Float32Array(buf, ptr, n);
  }

  /** Whether a lives in the module's memory (so kernels can take it in place). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /**
   * Runs f on the addresses of `inputs` and `outputs`: arrays in the module's memory in place,
   * others copied in (inputs) or out (outputs) through temporary blocks. Byte copies, the same
   * for every array type.
   */
  private call(
    inputs: readonly Typed[],
    outputs: readonly Typed[],
    f: (inp: number[], out: number[]) => void,
  ) {
    const temps: number[] = [];
    const place = (a: Typed, copy: boolean) => {
      if (this.owns(a)) return a.byteOffset;
      const p = this.malloc(a.byteLength);
      temps.push(p);
      if (copy) new Uint8Array(this.memory.buffer, p, a.byteLength).set(bytes(a));
      return p;
    };
    try {
      const inp = inputs.map((a) => place(a, true));
      const out = outputs.map((a) => place(a, false));
      f(inp, out);
      // Growing shared memory leaves old views valid but short: read through a fresh one.
      const mem = this.memory.buffer;
      outputs.forEach((a, i) => {
        if (!this.owns(a)) bytes(a).set(new Uint8Array(mem, out[i]!, a.byteLength));
      });
    } finally {
      for (const p of temps) this.x.cs_free(p);
    }
  }

  /**
   * The same surface as the native addon, so everything above the loops is shared; the same
   * argument checks too (the module trusts its pointers).
   */
  binding(): Binding {
    const x = this.x;
    return {
      conv: (op, a, b, geom, out, bias, relu) => {
        const n = convSizes(op, geom);
        if (a.length !== n.a || b.length !== n.b)
          throw new TypeError('array sizes do not match the geometry');
        const o = output(out, n.out, "out must be a Float32Array of the output's size");
        if ((bias || relu) && op !== 0 && op !== 3)
          throw new TypeError('bias and relu apply to forward ops only');
        if (bias && bias.length !== geom[6])
          throw new TypeError('bias must be a Float32Array of outC floats');
        const inputs = bias ? [a, b, geom, bias] : [a, b, geom];
        this.call(inputs, [o], ([pa, pb, pg, pbias], [po]) =>
          x.cs_conv(op, pa!, pb!, pg!, po!, pbias ?? 0, relu ? 1 : 0),
        );
        return o;
      },
      ew: (op, a, b, c, out) => {
        const unary = op === EW.Relu || op === EW.Step;
        const vec = op >= EW.AddVec;
        if (op < EW.Relu || op > EW.VecDiv) throw new TypeError('unknown op');
        const badVec = c <= 0 || b.length === 0 || b.length % c !== 0 || a.length % c !== 0;
        if (vec ? badVec || (a.length / c) % (b.length / c) !== 0 : !unary && b.length !== a.length)
          throw new TypeError('array sizes do not match the op');
        const o = output(out, a.length, 'out must be a Float32Array as long as a');
        this.call([a, b], [o], ([pa, pb], [po]) =>
          x.cs_ew(op, pa!, pb!, po!, a.length, vec ? c : 1, b.length),
        );
        return o;
      },
      channelSum: (xs, outer, inner, c, mean, out) => {
        if (outer < 0 || inner <= 0 || c <= 0 || outer * inner * c !== xs.length)
          throw new TypeError("x's length is not outer * inner * c");
        const o = output(out, outer * c, 'out must be a Float32Array of outer * c');
        this.call([xs], [o], ([px], [po]) => x.cs_channel_sum(px!, po!, outer, inner, c, mean ? 1 : 0));
        return o;
      },
      bnTrain: (xs, c, gamma, beta, eps, y, mean, variance, xhat, invStd, relu) => {
        this.call([xs, gamma, beta], [y, mean, variance, xhat, invStd], ([px, pg, pb], o) =>
          x.cs_bn_train(
            px!,
            xs.length / c,
            c,
            pg!,
            pb!,
            eps,
            o[0]!,
            o[1]!,
            o[2]!,
            o[3]!,
            o[4]!,
            relu ? 1 : 0,
          ),
        );
      },
      bnGrad: (dy, xhat, invStd, gamma, c, dx, dGamma, dBeta, reluOut) => {
        if (reluOut && reluOut.length !== dy.length)
          throw new TypeError('bnGrad: reluOut needs as many floats as dy');
        const inputs = reluOut ? [dy, xhat, invStd, gamma, reluOut] : [dy, xhat, invStd, gamma];
        this.call(inputs, [dx, dGamma, dBeta], ([pd, px, pi, pg, pr], o) =>
          x.cs_bn_grad(pd!, px!, pi!, pg!, dy.length / c, c, o[0]!, o[1]!, o[2]!, pr ?? 0),
        );
      },
      matmul: (a, b, geom, out) => {
        const g = Array.from(geom);
        if (g.length !== 12) throw new TypeError('geom must be an Int32Array of 12');
        const [batch, batchA, batchB, m, n, k] = g as [number, number, number, number, number, number];
        if (a.length !== batchA * m * k || b.length !== batchB * k * n || out.length !== batch * m * n)
          throw new TypeError('matmul: array sizes do not match the geometry');
        this.call([a, b, geom], [out], ([pa, pb, pg], [po]) => x.cs_matmul(pa!, pb!, po!, pg!));
        return out;
      },
      setThreads: (n) => this.setThreads(n),
      helperPieces: () => x.cs_helper_pieces(),
    };
  }
}

type Typed = Float32Array | Float64Array | Int32Array;
const bytes = (a: Typed): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Float counts of conv op `op`'s two inputs and its output (ConvOp in native/kernels/common.h). */
function convSizes(op: number, g: Int32Array): { a: number; b: number; out: number } {
  if (g.length !== 13) throw new TypeError('geom must be an Int32Array of 13');
  const [batch, inH, inW, inC, outH, outW, outC, kH, kW] = Array.from(g) as number[];
  const xs = batch! * inH! * inW! * inC!;
  const ys = batch! * outH! * outW! * outC!;
  const ws = kH! * kW! * inC! * (op >= 3 ? 1 : outC!);
  if (op === 0 || op === 3) return { a: xs, b: ws, out: ys };
  if (op === 1 || op === 4) return { a: ys, b: ws, out: xs };
  if (op === 2 || op === 5) return { a: xs, b: ys, out: ws };
  throw new TypeError('unknown op');
}

function output(out: Float32Array | undefined, n: number, message: string): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) throw new TypeError(message);
  return out;
}

/**
 * Compiles the module with V8's optimizing compiler up front. By default V8 compiles each function
 * on first call with its baseline compiler (Liftoff) and tiers up later, but a kernel runs one
 * long loop per call and V8 cannot swap code inside a running loop: measured, the kernels ran
 * 1.5-4x slower for the first many calls. The flags are restored at once; they only decide how
 * this module is compiled (the code is shared by the helper threads' instances).
 */
function compileOptimized(bytes: Uint8Array): WasmModule {
  v8.setFlagsFromString('--no-liftoff --no-wasm-lazy-compilation');
  try {
    return new WA.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff --wasm-lazy-compilation');
  }
}

/** Kernels from other module bytes (the GEMM bench loads an older build beside the current one). */
export function wasmKernelsFrom(bytes: Uint8Array): WasmKernels {
  return new WasmKernels(compileOptimized(bytes));
}

let loaded: { kernels?: WasmKernels; error?: string } | undefined;

/** The module for this thread, or why it cannot load (no WebAssembly SIMD or threads here). */
export function loadWasm(): { kernels?: WasmKernels; error?: string } {
  if (loaded) return loaded;
  try {
    loaded = { kernels: new WasmKernels(compileOptimized(Buffer.from(WASM_BASE64, 'base64'))) };
  } catch (e) {
    loaded = { error: (e as Error).message.slice(0, 300) };
  }
  return loaded;
}
