// `npm run bench -- trainer --gemm [--base <git revision>] [--rounds N] [--threads N] [--r1] [--scaling N]`: the conv
// kernels (im2col + GEMM) of this working tree against those of an older revision, in one process,
// on R1's shapes at batch 64 plus one plain GEMM (a 1×1 conv, M 12544, K 128, N 128). Both the
// native addon and the WebAssembly module; each round times old and new once per case, alternately,
// so both see the same machine load (CPU time on one thread, wall time on several); figures are GFLOP/s (2 flops per multiply-add), medians of
// the rounds, and the ratio new/old is the median of the per-round ratios. The outputs of old and
// new are compared bit for bit (the packed GEMM keeps each element's order of operations).
// --r1 adds whole R1 training steps with each side installed as the kernel pack, alternately.
// --scaling N compares this tree's kernels at 1 and at N threads instead (wall time).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../core/stats.js';
import { initBackend, tf } from '../core/training/backend.js';
import { type Binding, bindingConvImpl } from '../core/training/kernels/binding.js';
import { buildNative, loadNative } from '../core/training/kernels/native.js';
import type { OutputArrays } from '../core/training/kernels/pool.js';
import { convKernelPack } from '../core/training/kernels/register.js';
import { loadWasm, type WasmKernels, wasmKernelsFrom } from '../core/training/kernels/wasm.js';
import { WasmOutputPool } from '../core/training/kernels/wasm-pool.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The last revision with the register-tiled GEMM (B unpacked, 8-float vectors), before the packed micro-kernel. */
const BASELINE = '26fb8829c45b1b271daf916309f33a8bb66a9007';

const OPS = ['conv2d', 'convInput', 'convFilter'] as const;

interface Case {
  name: string;
  op: 0 | 1 | 2;
  /** batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft */
  geom: number[];
}

/** R1's three convs (see bench/trainer.ts) in all three directions, and a plain GEMM. */
function cases(): Case[] {
  const convs: [string, number[]][] = [
    ['28x28x1->16 k3', [64, 28, 28, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1]],
    ['14x14x16->32 k1', [64, 14, 14, 16, 14, 14, 32, 1, 1, 1, 1, 0, 0]],
    ['14x14x32->32 k3 s2', [64, 14, 14, 32, 7, 7, 32, 3, 3, 2, 2, 0, 0]],
  ];
  const out: Case[] = [];
  for (const [name, geom] of convs)
    for (const op of [0, 1, 2] as const) {
      // R1's first conv has no input gradient (its input is the data).
      if (op === 1 && geom[3] === 1) continue;
      out.push({ name: `${OPS[op]} ${name}`, op, geom });
    }
  out.push({
    name: 'gemm 12544x128x128 (1x1 conv)',
    op: 0,
    geom: [64, 14, 14, 128, 14, 14, 128, 1, 1, 1, 1, 0, 0],
  });
  return out;
}

/** Padding is 'same' for R1's k3 convs: pad (k-1)/2 at stride 1, and 0/1 split at stride 2 as tfjs does. */
function withPad(g: number[]): number[] {
  const [, inH, inW, , outH, outW, , kH, kW, sH, sW] = g as [number, ...number[]];
  const pad = (inn: number, out: number, k: number, s: number) =>
    Math.floor(Math.max(0, (out - 1) * s + k - inn) / 2);
  const r = [...g];
  r[11] = pad(inH!, outH!, kH!, sH!);
  r[12] = pad(inW!, outW!, kW!, sW!);
  return r;
}

const sizes = (op: number, g: number[]) => {
  const [batch, inH, inW, inC, outH, outW, outC, kH, kW] = g as number[];
  const xs = batch! * inH! * inW! * inC!;
  const ys = batch! * outH! * outW! * outC!;
  const ws = kH! * kW! * inC! * outC!;
  const macs = batch! * outH! * outW! * kH! * kW! * inC! * outC!;
  if (op === 0) return { a: xs, b: ws, out: ys, macs };
  if (op === 1) return { a: ys, b: ws, out: xs, macs };
  return { a: xs, b: ys, out: ws, macs };
};

interface Arrays {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
}

/** One pack under test: its binding and where its arrays live (WebAssembly: in its memory). */
interface Side {
  binding: Binding;
  arrays(n: { a: number; b: number; out: number }): Arrays;
  /** Kernel threads for this side (--scaling: one binding at 1 and at N threads). */
  threads?: number;
}

/** Sets a side's thread count, when it has one, before it is timed. */
const enter = (s: Side) => {
  if (s.threads !== undefined) s.binding.setThreads(s.threads);
};

function nativeSide(binding: Binding): Side {
  return {
    binding,
    arrays: (n) => ({ a: new Float32Array(n.a), b: new Float32Array(n.b), out: new Float32Array(n.out) }),
  };
}

function wasmSide(k: WasmKernels): Side {
  const view = (n: number) => k.view(k.malloc(n * 4), n);
  return { binding: k.binding(), arrays: (n) => ({ a: view(n.a), b: view(n.b), out: view(n.out) }) };
}

/** CPU seconds of this process so far (all its threads). */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Seconds per call of `f`, over enough calls to fill about `seconds`: CPU time on one thread (other
 * processes on the machine disturb it far less than wall time), wall time on several.
 */
function timeCalls(f: () => void, seconds: number, cpu: boolean): number {
  const clock = cpu ? cpuNow : () => performance.now() / 1000;
  f();
  let calls = 1;
  for (;;) {
    const t = clock();
    for (let i = 0; i < calls; i++) f();
    const dt = clock() - t;
    if (dt >= seconds) return dt / calls;
    calls = Math.max(calls + 1, Math.ceil((calls * seconds) / Math.max(dt, 1e-6)));
  }
}

function sameBits(x: Float32Array, y: Float32Array): boolean {
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compare(old: Side, cur: Side, rounds: number, seconds: number, cpu: boolean) {
  const rows: Record<string, unknown> = {};
  let oldTotal = 0;
  let newTotal = 0;
  for (const c of cases()) {
    const g = withPad(c.geom);
    const n = sizes(c.op, g);
    const geom = Int32Array.from(g);
    const o = old.arrays(n);
    const w = cur.arrays(n);
    let seed = 1;
    const fill = (a: Float32Array, b: Float32Array) => {
      for (let i = 0; i < a.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        a[i] = b[i] = seed / 2 ** 31 - 1;
      }
    };
    fill(o.a, w.a);
    fill(o.b, w.b);
    const runOld = () => old.binding.conv(c.op, o.a, o.b, geom, o.out);
    const runNew = () => cur.binding.conv(c.op, w.a, w.b, geom, w.out);
    enter(old);
    runOld();
    enter(cur);
    runNew();
    const identical = sameBits(o.out, w.out);
    const olds: number[] = [];
    const news: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      enter(old);
      const to = timeCalls(runOld, seconds, cpu);
      enter(cur);
      const tn = timeCalls(runNew, seconds, cpu);
      olds.push((2 * n.macs) / to / 1e9);
      news.push((2 * n.macs) / tn / 1e9);
      ratios.push(to / tn);
    }
    oldTotal += median(olds.map((gf) => (2 * n.macs) / gf / 1e9));
    newTotal += median(news.map((gf) => (2 * n.macs) / gf / 1e9));
    rows[c.name] = {
      oldGflops: Number(median(olds).toFixed(2)),
      newGflops: Number(median(news).toFixed(2)),
      newVsOld: Number(median(ratios).toFixed(3)),
      identical,
    };
  }
  return { cases: rows, totalTimeOldOverNew: Number((oldTotal / newTotal).toFixed(3)) };
}

/**
 * R1 training steps (batch 64) with the old kernels against the new, as whole kernel packs,
 * alternating `rounds` times: milliseconds per step (CPU on one thread, wall on several) and the
 * median per-round ratio old/new.
 */
async function r1Steps(
  old: Binding,
  cur: Binding,
  pools: [OutputArrays | undefined, OutputArrays | undefined],
  rounds: number,
  seconds: number,
  cpu: boolean,
  threads?: [number, number],
) {
  const { r1Session } = await import('./trainer.js');
  await initBackend('cpu');
  const packs = [old, cur].map((b, i) =>
    convKernelPack(`gemm-bench-${i}`, async () => bindingConvImpl('bench', b, pools[i])),
  );
  const s = r1Session();
  const clock = cpu ? () => cpuNow() * 1000 : () => performance.now();
  const ms: [number[], number[]] = [[], []];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const round: number[] = [];
    for (const [i, pack] of packs.entries()) {
      if (threads) (i === 0 ? old : cur).setThreads(threads[i]!);
      await pack.install(tf);
      const steps = Math.max(2, Math.round(seconds / Math.max(s.warm(), 1e-3)));
      const t = clock();
      s.run(steps);
      round.push((clock() - t) / steps);
      pack.uninstall(tf);
      ms[i as 0 | 1].push(round[i]!);
    }
    ratios.push(round[0]! / round[1]!);
  }
  s.dispose();
  return {
    oldMsPerStep: Number(median(ms[0]).toFixed(2)),
    newMsPerStep: Number(median(ms[1]).toFixed(2)),
    newVsOld: Number(median(ratios).toFixed(3)),
  };
}

/** The committed module's bytes at `rev` (core/training/kernels/wasm-binary.ts there). */
function wasmAt(rev: string): Uint8Array {
  const text = execFileSync('git', ['show', `${rev}:core/training/kernels/wasm-binary.ts`], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const body = text.slice(text.indexOf('WASM_BASE64'));
  return Buffer.from([...body.matchAll(/'([A-Za-z0-9+/=]+)'/g)].map((m) => m[1]).join(''), 'base64');
}

/** The native addon built from native/kernels at `rev`, in a temporary folder. */
function nativeAt(rev: string, dir: string): Binding {
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  const tar = execFileSync('git', ['archive', rev, 'native/kernels'], { cwd: ROOT, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', src], { input: tar });
  const out = buildNative(join(dir, 'old.node'), join(src, 'native/kernels'));
  const mod = { exports: {} as Binding };
  process.dlopen(mod, out);
  return mod.exports;
}

/**
 * --scaling N: this tree's kernels at 1 thread against N threads (wall time), per conv case and,
 * with --r1, per R1 step; the ratio is 1-thread time over N-thread time.
 */
async function threadScaling(
  n: number,
  rounds: number,
  seconds: number,
  only: string | undefined,
  args: string[],
) {
  const load = [loadavg()[0]!];
  const result: Record<string, unknown> = {
    threads: [1, n],
    sides: `old: 1 thread, new: ${n} threads`,
    rounds,
    clock: 'wall',
  };
  const cur = only === 'wasm' ? undefined : loadNative().binding;
  if (cur) {
    const side = (threads: number): Side => ({ ...nativeSide(cur), threads });
    result.native = compare(side(1), side(n), rounds, seconds, false);
    if (args.includes('--r1'))
      result.nativeR1 = await r1Steps(cur, cur, [undefined, undefined], rounds, 2, false, [1, n]);
    cur.setThreads(1);
  }
  load.push(loadavg()[0]!);
  const k = only === 'native' ? undefined : loadWasm().kernels;
  if (k) {
    k.setThreads(n);
    while (k.helpersReady() < n - 1) await new Promise((r) => setTimeout(r, 10));
    const b = k.binding();
    const side = (threads: number): Side => ({ ...wasmSide(k), binding: b, threads });
    result.wasm = compare(side(1), side(n), rounds, seconds, false);
    if (args.includes('--r1')) {
      const pool = new WasmOutputPool(k);
      result.wasmR1 = await r1Steps(b, b, [pool, pool], rounds, 2, false, [1, n]);
    }
    k.setThreads(1);
  }
  load.push(loadavg()[0]!);
  result.loadAverage1m = load;
  return result;
}

export async function run(args: string[]): Promise<unknown> {
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const base = opt('--base') ?? BASELINE;
  const rounds = Number(opt('--rounds') ?? 5);
  const threads = Number(opt('--threads') ?? 1);
  const seconds = Number(opt('--seconds') ?? 0.15);
  const load = [loadavg()[0]!];
  const result: Record<string, unknown> = { base, threads, rounds, clock: threads === 1 ? 'cpu' : 'wall' };
  const scaling = opt('--scaling');
  if (scaling !== undefined)
    return { ...(await threadScaling(Number(scaling), rounds, seconds, opt('--only'), args)) };
  const dir = mkdtempSync(join(tmpdir(), 'cosearch-gemm-'));
  try {
    const only = opt('--only');
    const cur = only === 'wasm' ? undefined : loadNative().binding;
    if (cur) {
      const old = nativeAt(base, dir);
      old.setThreads(threads);
      cur.setThreads(threads);
      result.native = compare(nativeSide(old), nativeSide(cur), rounds, seconds, threads === 1);
      if (args.includes('--r1'))
        result.nativeR1 = await r1Steps(old, cur, [undefined, undefined], rounds, 2, threads === 1);
    } else result.native = { skipped: loadNative().error };
    load.push(loadavg()[0]!);
    const k = only === 'native' ? undefined : loadWasm().kernels;
    if (k) {
      const old = wasmKernelsFrom(wasmAt(base));
      for (const x of [old, k]) x.setThreads(threads);
      while (old.helpersReady() < threads - 1 || k.helpersReady() < threads - 1)
        await new Promise((r) => setTimeout(r, 10));
      result.wasm = compare(wasmSide(old), wasmSide(k), rounds, seconds, threads === 1);
      if (args.includes('--r1'))
        result.wasmR1 = await r1Steps(
          old.binding(),
          k.binding(),
          [new WasmOutputPool(old), new WasmOutputPool(k)],
          rounds,
          2,
          threads === 1,
        );
    } else result.wasm = { skipped: loadWasm().error };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  load.push(loadavg()[0]!);
  result.loadAverage1m = load;
  return result;
}
