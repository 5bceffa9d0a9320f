// `npm run bench -- trainer --profile [--wasm] [--threads N] [--steps N] [--arch N]`: where a
// training step (batch 64) goes, kernel by kernel: R1's, or with --arch that of fashion-bench's
// N-th network. Every cpu-backend kernel tfjs dispatches is timed (CPU time on one thread, wall
// time on several; its own JS included), and inside the compiled pack each conv op by geometry;
// what no kernel accounts for is tfjs's own work (autograd, dispatch, tidy) and the bench loop.
import { loadavg } from 'node:os';
import { initBackend, tf } from '../core/training/backend.js';
import { type Binding, bindingConvImpl } from '../core/training/kernels/binding.js';
import { convKernelPack } from '../core/training/kernels/register.js';

const CONV_OPS = ['conv2d', 'convInput', 'convFilter', 'depthwise', 'dwInput', 'dwFilter'];

type Clock = Map<string, { ms: number; calls: number }>;

/** Milliseconds of the clock in use: CPU time of the main thread when kernels run on it alone
 * (other processes on the machine disturb it far less than wall time), wall time on several. */
let now = () => performance.now();
// The main thread's own CPU time: process-wide time would also count V8's GC and compiler
// threads (about 1 ms of R1's step) as tfjs's work.
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * What one reading of the clock costs, in its own units. A CPU-time reading is a system call
 * (2-3 µs here), and R1's step makes a few hundred timed calls: uncorrected, the readings made
 * tfjs's own work look about 2 ms a step larger than it is.
 */
let clockCost = 0;
/** Timed compiled calls so far, so that a tfjs kernel can discount the readings made inside it. */
let innerReadings = 0;
/** Off for the untimed run: the compiled calls go straight through. */
let timing = false;

function calibrateClock(): void {
  const n = 5000;
  for (let i = 0; i < 500; i++) now();
  const t = now();
  for (let i = 0; i < n; i++) now();
  clockCost = (now() - t) / (n + 1);
}

function tick(clock: Clock, key: string, ms: number): void {
  const e = clock.get(key);
  if (e) {
    e.ms += ms;
    e.calls++;
  } else clock.set(key, { ms, calls: 1 });
}

/** The binding with every kernel call timed into `clock`. */
function timedBinding(b: Binding, clock: Clock): Binding {
  // biome-ignore lint/suspicious/noExplicitAny: any function's arguments, passed through untouched
  const time = <F extends (...a: any[]) => unknown>(key: (...a: Parameters<F>) => string, f: F): F =>
    ((...a: Parameters<F>) => {
      if (!timing) return f(...a);
      const t = now();
      const r = f(...a);
      // An interval holds about one reading of the clock besides the work it times.
      tick(clock, key(...a), now() - t - clockCost);
      innerReadings++;
      return r;
    }) as F;
  return {
    ...b,
    conv: time(
      (_op: number, _a: Float32Array, _b: Float32Array, g: Int32Array) =>
        `${CONV_OPS[_op]} ${g[1]}x${g[2]}x${g[3]}->${g[4]}x${g[5]}x${g[6]} k${g[7]}s${g[9]}`,
      b.conv.bind(b),
    ),
    ew: time((op: number) => `ew op${op}`, b.ew.bind(b)),
    channelSum: time(() => 'channelSum', b.channelSum.bind(b)),
    bnTrain: time(() => 'bnTrain', b.bnTrain.bind(b)),
    bnGrad: time(() => 'bnGrad', b.bnGrad.bind(b)),
  };
}

/** Wraps every cpu kernel so that its wall time is counted by name; returns the unwrapper. */
function timeKernels(clock: Clock): () => void {
  const configs = tf.getKernelsForBackend('cpu');
  for (const cfg of configs) {
    tf.unregisterKernel(cfg.kernelName, 'cpu');
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        const n0 = innerReadings;
        const t = now();
        const r = cfg.kernelFunc(args);
        // Less this interval's own reading and the two of each compiled call timed inside it.
        tick(clock, cfg.kernelName, now() - t - clockCost * (1 + 2 * (innerReadings - n0)));
        return r;
      },
    });
  }
  return () => {
    for (const cfg of configs) {
      tf.unregisterKernel(cfg.kernelName, 'cpu');
      tf.registerKernel(cfg);
    }
  };
}

/** The logits model of fashion-bench's n-th sampled network, seed 0. */
export async function fashionChild(n: number) {
  const { buildModel } = await import('../core/network/build.js');
  const { fashionSpace, sampleArchs } = await import('./fashion-bench/space.js');
  const space = fashionSpace();
  const a = sampleArchs(space, n + 1)[n]!;
  return buildModel(space.decode(a.tokens).network, [28, 28, 1], 10, 0).logitsModel;
}

export async function run(args: string[]): Promise<unknown> {
  const { r1Session, stepSession } = await import('./trainer.js');
  const wasm = args.includes('--wasm');
  // An integer flag of at least `min`; a bad value is refused by name, not run as NaN.
  const opt = (name: string, d: number, min = 1) => {
    const i = args.indexOf(name);
    if (i < 0) return d;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} needs an integer of at least ${min}`);
    return v;
  };
  const threads = opt('--threads', 1);
  now = threads === 1 ? cpuMs : () => performance.now();
  const steps = opt('--steps', 40);
  // R1, or with --arch N the N-th network of fashion-bench's sample (a real child, BN and all).
  const arch = opt('--arch', -1, 0);
  await initBackend('cpu');
  let binding: Binding;
  let pool: ReturnType<typeof bindingConvImpl>['pool'];
  if (wasm) {
    const { loadWasm } = await import('../core/training/kernels/wasm.js');
    const { WasmOutputPool } = await import('../core/training/kernels/wasm-pool.js');
    const k = loadWasm().kernels;
    if (!k) throw new Error(loadWasm().error);
    k.setThreads(threads);
    while (k.helpersReady() < threads - 1) await new Promise((r) => setTimeout(r, 10));
    binding = k.binding();
    pool = new WasmOutputPool(k);
  } else {
    const { loadNative } = await import('../core/training/kernels/native.js');
    const b = loadNative().binding;
    if (!b) throw new Error(loadNative().error);
    b.setThreads(threads);
    binding = b;
  }
  const inner: Clock = new Map();
  const outer: Clock = new Map();
  const pack = convKernelPack('profiled', async () =>
    bindingConvImpl(wasm ? 'wasm' : 'native', timedBinding(binding, inner), pool),
  );
  await pack.install(tf);
  calibrateClock();
  const s = arch >= 0 ? stepSession(await fashionChild(arch)) : r1Session();
  s.warm();
  s.warm();
  // The step as it runs untimed, then again with every kernel and compiled call timed.
  let t = now();
  let w = performance.now();
  s.run(steps);
  const stepMs = (now() - t) / steps;
  const wallMs = (performance.now() - w) / steps;
  const unwrap = timeKernels(outer);
  timing = true;
  s.warm();
  inner.clear();
  outer.clear();
  t = now();
  w = performance.now();
  s.run(steps);
  const timedStepMs = (now() - t) / steps;
  timing = false;
  unwrap();
  pack.uninstall(tf);
  s.dispose();
  const table = (c: Clock) =>
    Object.fromEntries(
      [...c.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([k, v]) => [
          k,
          { msPerStep: Number((v.ms / steps).toFixed(3)), callsPerStep: v.calls / steps },
        ]),
    );
  const sum = (c: Clock) => [...c.values()].reduce((a, v) => a + v.ms, 0) / steps;
  return {
    pack: wasm ? 'wasm' : 'native',
    model: arch >= 0 ? `fashion-bench network ${arch}` : 'R1',
    threads,
    steps,
    clock: threads === 1 ? 'cpu' : 'wall',
    stepMs: Number(stepMs.toFixed(3)),
    wallMsPerStep: Number(wallMs.toFixed(3)),
    /** The timed run's step, and what one clock reading cost (already taken out of the parts). */
    timedStepMs: Number(timedStepMs.toFixed(3)),
    clockReadingMs: Number(clockCost.toFixed(5)),
    examplesPerSec: Number(((64 * 1000) / wallMs).toFixed(1)),
    loadAverage1m: loadavg()[0],
    tfjsKernelsMsPerStep: Number(sum(outer).toFixed(3)),
    outsideKernelsMsPerStep: Number((stepMs - sum(outer)).toFixed(3)),
    compiledMsPerStep: Number(sum(inner).toFixed(3)),
    tfjsKernels: table(outer),
    compiled: table(inner),
  };
}
