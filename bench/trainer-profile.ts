// `npm run bench -- trainer --profile [--wasm] [--threads N] [--steps N]`: where R1's training step
// (batch 64) goes, kernel by kernel. Every cpu-backend kernel tfjs dispatches is timed (CPU time on
// one thread, wall time on several; its own JS included), and inside the compiled pack each conv op by geometry; what no kernel
// accounts for is tfjs's own work (autograd, dispatch, tidy) and the bench loop.
import { loadavg } from 'node:os';
import { initBackend, tf } from '../core/training/backend.js';
import { type Binding, bindingConvImpl } from '../core/training/kernels/binding.js';
import { convKernelPack } from '../core/training/kernels/register.js';

const CONV_OPS = ['conv2d', 'convInput', 'convFilter', 'depthwise', 'dwInput', 'dwFilter'];

type Clock = Map<string, { ms: number; calls: number }>;

/** Milliseconds of the clock in use: CPU time of the process on one thread (other processes on
 * the machine disturb it far less than wall time), wall time on several. */
let now = () => performance.now();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

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
      const t = now();
      const r = f(...a);
      tick(clock, key(...a), now() - t);
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
        const t = now();
        const r = cfg.kernelFunc(args);
        tick(clock, cfg.kernelName, now() - t);
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

export async function run(args: string[]): Promise<unknown> {
  const { r1Session } = await import('./trainer.js');
  const wasm = args.includes('--wasm');
  const opt = (name: string, d: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const threads = opt('--threads', 1);
  now = threads === 1 ? cpuMs : () => performance.now();
  const steps = opt('--steps', 40);
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
  const unwrap = timeKernels(outer);
  const s = r1Session();
  s.warm();
  s.warm();
  inner.clear();
  outer.clear();
  const t = now();
  const w = performance.now();
  s.run(steps);
  const stepMs = (now() - t) / steps;
  const wallMs = (performance.now() - w) / steps;
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
    threads,
    steps,
    clock: threads === 1 ? 'cpu' : 'wall',
    stepMs: Number(stepMs.toFixed(3)),
    wallMsPerStep: Number(wallMs.toFixed(3)),
    examplesPerSec: Number(((64 * 1000) / wallMs).toFixed(1)),
    loadAverage1m: loadavg()[0],
    tfjsKernelsMsPerStep: Number(sum(outer).toFixed(3)),
    outsideKernelsMsPerStep: Number((stepMs - sum(outer)).toFixed(3)),
    compiledMsPerStep: Number(sum(inner).toFixed(3)),
    tfjsKernels: table(outer),
    compiled: table(inner),
  };
}
