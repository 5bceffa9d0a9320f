// `npm run bench -- trainer [--quick] [--r1-only]`: training speed of reference model R1 (batch 64) on every
// local backend, the default child on builtin:digits (test accuracy within its budget), and
// fashionDefault: the default child under the default Fashion-MNIST recipe (bench/fashion-default.ts).
// The kernel packs at 1 thread and on every core, and PyTorch-CPU likewise, run interleaved round
// by round (other processes share the cores: each round sees the same load); figures are medians
// of the rounds, ratios medians of the per-round ratios, with the share of each step V8 spent in
// garbage collection and the machine's load average beside them. The one-thread ratios are given
// in CPU time too, which other processes on the machine disturb less than wall time.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { DatasetError } from '../core/data/dataset.js';
import { loadDataset } from '../core/data/load.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../core/network/defaults.js';
import { FastBatchNormalization } from '../core/network/fast-batchnorm.js';
import { FastConv2D, FastDepthwiseConv2D } from '../core/network/fast-conv.js';
import { Rng } from '../core/rng.js';
import { DatasetSpec, TrainingSpec } from '../core/spec/schema.js';
import { median } from '../core/stats.js';
import { type BackendChoice, initBackend, type KernelPack, tf } from '../core/training/backend.js';
import { ChildOptimizer } from '../core/training/optimizer.js';
import { trainables, trainChild, trainStep } from '../core/training/train.js';
import { type FashionDefault, fashionDefault } from './fashion-default.js';
import { pytorchEnv } from './pytorch-env.js';

const BATCH = 64;

/**
 * R1 from issue #5: 28×28×1, conv3×3/16, dw3×3 s2, conv1×1/32, BN, conv3×3/32 s2, GAP, dense 10.
 * Built from the trainer's layers (the stock ones on other backends; same results on cpu).
 */
function buildR1() {
  const seed = (n: number) => tf.initializers.glorotUniform({ seed: n });
  const input = tf.input({ shape: [28, 28, 1] });
  let x = new FastConv2D({
    filters: 16,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: seed(1),
  }).apply(input);
  x = new FastDepthwiseConv2D({
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    activation: 'relu',
    depthwiseInitializer: seed(2),
  }).apply(x);
  x = new FastConv2D({ filters: 32, kernelSize: 1, activation: 'relu', kernelInitializer: seed(3) }).apply(x);
  x = new FastBatchNormalization({}).apply(x);
  x = new FastConv2D({
    filters: 32,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: seed(4),
  }).apply(x);
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  // Logits: softmax is folded into the cross-entropy, as the trainer does.
  const out = tf.layers.dense({ units: 10, kernelInitializer: seed(5) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** R1 training (Adam 1e-3, batch 64, random data) on the current backend, ready for timed runs. */
export function r1Session() {
  return stepSession(buildR1());
}

/** Training steps of a logits model on 28×28×1 inputs (Adam 1e-3, batch 64, random data). */
export function stepSession(model: tf.LayersModel) {
  const { vars, decayed } = trainables(model);
  const opt = new ChildOptimizer('adam', 1e-3, 0, vars, decayed);
  const rng = Rng.fromSeed('bench-r1');
  const x = Float32Array.from({ length: BATCH * 784 }, () => rng.normal());
  const y = Int32Array.from({ length: BATCH }, () => rng.int(10));
  const step = () => trainStep(model, vars, opt, x, y, [28, 28, 1], 10);
  return {
    /** Seconds of one step after a warm-up step (kernel JIT, first allocations). */
    warm(): number {
      step();
      const t = performance.now();
      step();
      return (performance.now() - t) / 1000;
    },
    /** Examples/s over `steps` steps. */
    run(steps: number): number {
      const t = performance.now();
      for (let i = 0; i < steps; i++) step();
      return (steps * BATCH) / ((performance.now() - t) / 1000);
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

/** Examples/s of R1 on one backend, median of `runs` timed runs that together fit the budget. */
async function benchR1(choice: BackendChoice, budgetSeconds: number, runs: number) {
  const info = await initBackend(choice);
  const s = r1Session();
  const perRun = Math.max(1, Math.floor(budgetSeconds / runs / Math.max(s.warm(), 1e-3)));
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(s.run(perRun));
  s.dispose();
  return {
    backend: info.name,
    examplesPerSec: Number(median(rates).toFixed(1)),
    runs: rates.map((r) => Number(r.toFixed(1))),
    stepsPerRun: perRun,
  };
}

// The same R1 step in PyTorch (Debian's python3-torch), as the speed baseline on this machine.
// Its thread count is the bench's to set: Debian's build defaults to 1 thread.
const TORCH_R1 = `
import sys, time, torch, torch.nn as nn
torch.manual_seed(0)
budget, runs, threads = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
m = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
    nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16), nn.ReLU(),
    nn.Conv2d(16, 32, 1), nn.ReLU(), nn.BatchNorm2d(32),
    nn.Conv2d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
x, y, lossf = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)), nn.CrossEntropyLoss()
def step():
    opt.zero_grad(); lossf(m(x), y).backward(); opt.step()
for _ in range(3): step()
t = time.perf_counter(); step(); one = time.perf_counter() - t
per = max(1, int(budget / runs / max(one, 1e-4)))
rates, cpu = [], []
for _ in range(runs):
    t, c = time.perf_counter(), time.process_time()
    for _ in range(per): step()
    rates.append(per * 64 / (time.perf_counter() - t))
    cpu.append((time.process_time() - c) * 1000 / per)
print('{"runs": [%s], "cpuMsPerStep": [%s], "threads": %d, "stepsPerRun": %d, "torch": "%s"}' % (', '.join('%.1f' % r for r in rates), ', '.join('%.2f' % c for c in cpu), torch.get_num_threads(), per, torch.__version__))
`;

interface TorchRuns {
  runs: number[];
  /** CPU milliseconds per step (all of the process's threads). */
  cpuMsPerStep: number[];
  threads: number;
  stepsPerRun: number;
  torch: string;
}

/** Timed runs of R1 in PyTorch on `threads` threads, in a fresh python process. */
function benchTorch(budget: number, runs: number, threads: number): TorchRuns {
  let lastError = 'no python3 with torch found';
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(py, ['-c', TORCH_R1, String(budget), String(runs), String(threads)], {
        encoding: 'utf8',
        env: pytorchEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
      return JSON.parse(out.trim().split('\n').at(-1)!) as TorchRuns;
    } catch (e) {
      lastError = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').at(-1)!;
    }
  }
  throw new Error(lastError);
}

/** Milliseconds V8 spent in garbage collection, summed from `gc` performance entries. */
class GcClock {
  private ms = 0;
  private obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.ms += e.duration;
  });
  constructor() {
    this.obs.observe({ entryTypes: ['gc'] });
  }
  /** GC milliseconds so far; entries arrive asynchronously, so let them in first. */
  async total(): Promise<number> {
    await new Promise((r) => setImmediate(r));
    return this.ms;
  }
  stop(): void {
    this.obs.disconnect();
  }
}

interface Run {
  /** Examples per second of wall time. */
  rate: number;
  /** CPU milliseconds per step, all of the process's threads: less sensitive to other processes. */
  cpuMsPerStep: number;
  /** Share of the run's wall time V8 spent in garbage collection (not measured for PyTorch). */
  gcShare?: number;
}

interface Variant {
  name: string;
  backend: string;
  threads?: number;
  /** One timed run: examples/s and the share of its wall time spent in GC (PyTorch: none measured). */
  run(seconds: number): Promise<Run>;
}

/** Lambda allocates one vCPU per 1,769 MB of memory, and 6 vCPUs at its maximum of 10,240 MB. */
const LAMBDA_MB_PER_VCPU = 1769;
const lambdaVcpus = (memoryMB: number) => (memoryMB >= 10240 ? 6 : memoryMB / LAMBDA_MB_PER_VCPU);

/**
 * What TrainChild's memory buys (the zip runs cpu+wasm with one kernel thread per whole vCPU),
 * relative to 1,769 MB on one thread. The share of a step that parallelizes comes from the measured
 * 2-thread speedup (Amdahl: s2 = 1 / (1 - p + p/2)); more threads than this machine's cores are an
 * extrapolation from it. Cost is memory x time (Lambda bills GB-seconds at one rate).
 */
function lambdaSizing(s2: number) {
  const p = Math.min(1, Math.max(0, 2 * (1 - 1 / s2)));
  const options = [1769, 3008, 3538, 5307, 7076, 10240].map((memoryMB) => {
    const vcpus = lambdaVcpus(memoryMB);
    const threads = Math.max(1, Math.floor(vcpus + 1e-9));
    const speedup = 1 / (1 - p + p / threads);
    return {
      memoryMB,
      vcpus: Number(vcpus.toFixed(2)),
      threads,
      relativeTime: Number((1 / speedup).toFixed(3)),
      relativeCost: Number((memoryMB / LAMBDA_MB_PER_VCPU / speedup).toFixed(3)),
    };
  });
  return { parallelShare: Number(p.toFixed(3)), measuredUpToThreads: 2, options };
}

/**
 * The kernel packs, each at 1 thread and on every core, and PyTorch likewise, interleaved: each
 * round times every variant once, so all see the same machine load (other processes share these
 * cores). Ratios are medians of per-round ratios. The load average is reported beside them.
 */
async function benchInterleaved(perRunSeconds: number, rounds: number) {
  const { nativeKernels, wasmKernels, jsKernels } = await import('../core/training/kernels/index.js');
  const { loadNative } = await import('../core/training/kernels/native.js');
  const { loadWasm } = await import('../core/training/kernels/wasm.js');
  const skipped: Record<string, string> = {};
  const cores = availableParallelism();
  const threadCounts = cores > 1 ? [1, cores] : [1];
  await initBackend('cpu');
  const s = r1Session();
  const gc = new GcClock();
  const packVariant = (
    pack: KernelPack,
    threads: number | undefined,
    setThreads?: (n: number) => Promise<number>,
  ) => {
    const backend = `cpu+${pack.name}`;
    return {
      name: threads === undefined ? backend : `${backend} ${threads}t`,
      backend,
      ...(threads === undefined ? {} : { threads }),
      async run(seconds: number) {
        await pack.install(tf);
        const prev = setThreads && threads !== undefined ? await setThreads(threads) : undefined;
        try {
          const steps = Math.max(1, Math.round(seconds / Math.max(s.warm(), 1e-3)));
          const g0 = await gc.total();
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          const rate = s.run(steps);
          const wall = performance.now() - t0;
          const cpu = process.cpuUsage(c0);
          const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / steps;
          return { rate, cpuMsPerStep, gcShare: ((await gc.total()) - g0) / wall };
        } finally {
          if (setThreads && prev !== undefined) await setThreads(prev);
          pack.uninstall(tf);
        }
      },
    } satisfies Variant;
  };
  const variants: Variant[] = [];
  const native = loadNative().binding;
  if (native && (await nativeKernels.install(tf))) {
    nativeKernels.uninstall(tf);
    for (const t of threadCounts)
      variants.push(packVariant(nativeKernels, t, async (n) => native.setThreads(n)));
  } else skipped['cpu+native'] = nativeKernels.unavailableReason?.() ?? 'unavailable';
  const wasm = loadWasm().kernels;
  if (wasm) {
    const setThreads = async (n: number) => {
      const prev = wasm.setThreads(n);
      // Helpers start asynchronously; time only once they all run.
      while (wasm.helpersReady() < n - 1) await new Promise((r) => setTimeout(r, 10));
      return prev;
    };
    for (const t of threadCounts) variants.push(packVariant(wasmKernels, t, setThreads));
  } else skipped['cpu+wasm'] = wasmKernels.unavailableReason?.() ?? 'unavailable';
  variants.push(packVariant(jsKernels, undefined));
  for (const t of threadCounts)
    variants.push({
      name: `pytorch-cpu ${t}t`,
      backend: 'pytorch-cpu',
      threads: t,
      async run(seconds) {
        const r = benchTorch(seconds, 1, t);
        return { rate: r.runs[0]!, cpuMsPerStep: r.cpuMsPerStep[0]! };
      },
    });
  const results = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
  const load = [loadavg()[0]!];
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      if (skipped[v.name]) continue;
      try {
        results.get(v.name)!.push(await v.run(perRunSeconds));
      } catch (e) {
        skipped[v.name] = (e as Error).message.split('\n')[0]!;
      }
    }
    load.push(loadavg()[0]!);
  }
  gc.stop();
  s.dispose();
  const round1 = (x: number) => Number(x.toFixed(1));
  const R1: Record<string, unknown> = {};
  for (const v of variants) {
    const rs = results.get(v.name)!;
    if (rs.length === 0) continue;
    const gcShares = rs.flatMap((x) => (x.gcShare === undefined ? [] : [x.gcShare]));
    R1[v.name] = {
      backend: v.backend,
      ...(v.threads === undefined ? {} : { threads: v.threads }),
      examplesPerSec: round1(median(rs.map((x) => x.rate))),
      runs: rs.map((x) => round1(x.rate)),
      cpuMsPerStep: Number(median(rs.map((x) => x.cpuMsPerStep)).toFixed(2)),
      ...(gcShares.length ? { gcShareOfStep: Number(median(gcShares).toFixed(3)) } : {}),
    };
  }
  /** Median over rounds of a(round) / b(round), for rounds where both ran. */
  const ratio = (a: (i: number) => number | undefined, b: (i: number) => number | undefined) => {
    const rs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const x = a(i);
      const y = b(i);
      if (x !== undefined && y !== undefined && y > 0) rs.push(x / y);
    }
    return rs.length ? Number(median(rs).toFixed(3)) : undefined;
  };
  const at = (name: string) => (i: number) => results.get(name)?.[i]?.rate;
  const best = (prefix: string) => (i: number) => {
    const rs = variants.filter((v) => v.name.startsWith(prefix)).map((v) => at(v.name)(i));
    const got = rs.filter((x): x is number => x !== undefined);
    return got.length ? Math.max(...got) : undefined;
  };
  const oursBest = (i: number) => {
    const got = variants
      .filter((v) => v.backend !== 'pytorch-cpu')
      .map((v) => at(v.name)(i))
      .filter((x): x is number => x !== undefined);
    return got.length ? Math.max(...got) : undefined;
  };
  const many = `${cores}t`;
  const ratios = {
    wasmVsNative1t: ratio(at('cpu+wasm 1t'), at('cpu+native 1t')),
    wasmVsJs: ratio(at('cpu+wasm 1t'), at('cpu+js')),
    native1tVsPytorch1t: ratio(at('cpu+native 1t'), at('pytorch-cpu 1t')),
    [`native${many}VsNative1t`]: ratio(at(`cpu+native ${many}`), at('cpu+native 1t')),
    [`wasm${many}VsWasm1t`]: ratio(at(`cpu+wasm ${many}`), at('cpu+wasm 1t')),
    [`pytorch${many}VsPytorch1t`]: ratio(at(`pytorch-cpu ${many}`), at('pytorch-cpu 1t')),
    oursBestVsPytorchBest: ratio(oursBest, best('pytorch-cpu')),
  };
  // The one-thread comparisons again in CPU time (inverse ratio of CPU ms per step): on a machine
  // other processes share, closer to what a quiet one shows than wall time.
  const cpuAt = (name: string) => (i: number) => results.get(name)?.[i]?.cpuMsPerStep;
  const cpuRatios = {
    wasmVsNative1t: ratio(cpuAt('cpu+native 1t'), cpuAt('cpu+wasm 1t')),
    wasmVsJs: ratio(cpuAt('cpu+js'), cpuAt('cpu+wasm 1t')),
    native1tVsPytorch1t: ratio(cpuAt('pytorch-cpu 1t'), cpuAt('cpu+native 1t')),
  };
  const s2 = ratios[`wasm${many}VsWasm1t`];
  return {
    R1,
    ratios,
    cpuRatios,
    ...(cores >= 2 && s2 !== undefined ? { lambdaSizing: lambdaSizing(s2) } : {}),
    machine: {
      cores,
      loadAverage1m: {
        min: Math.min(...load),
        median: Number(median(load).toFixed(2)),
        max: Math.max(...load),
      },
    },
    skipped,
  };
}

export async function run(args: string[]): Promise<unknown> {
  // Kernel-level views of the same R1 step: per-kernel profile, GEMM micro-bench.
  if (args.includes('--profile')) return (await import('./trainer-profile.js')).run(args);
  if (args.includes('--gemm')) return (await import('./trainer-gemm.js')).run(args);
  const quick = args.includes('--quick');
  const R1: Record<string, unknown> = {};
  const skipped: Record<string, string> = {};
  // The fast packs first, on a fresh heap: after plain cpu's seconds-long JS kernels the same
  // process ran them measurably slower.
  const fast = await benchInterleaved(quick ? 2 : 6, quick ? 3 : 5);
  // --r1-only: just the interleaved R1 rounds (packs and PyTorch), without the slow cpu backend
  // and the digits / Fashion-MNIST children.
  if (args.includes('--r1-only')) return fast;
  Object.assign(R1, fast.R1);
  Object.assign(skipped, fast.skipped);
  for (const choice of ['cpu', 'tensorflow'] as const) {
    try {
      const r = await benchR1(choice, quick ? 8 : 30, 3);
      R1[r.backend] = r;
    } catch (e) {
      skipped[choice] = (e as Error).message.split('\n')[0]!;
    }
  }
  const cpu = (R1.cpu as { examplesPerSec: number } | undefined)?.examplesPerSec;
  const speedupVsCpu: Record<string, number> = {};
  if (cpu)
    for (const [k, v] of Object.entries(R1))
      speedupVsCpu[k] = Number(((v as { examplesPerSec: number }).examplesPerSec / cpu).toFixed(1));

  // The default child on digits with the spec's default budget (60 steps), best backend.
  const info = await initBackend('auto');
  const digits = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
  const results = [];
  // Seeds 0, 1, 2: accuracy varies by about a point between seeds, so report each and the median.
  for (let seed = 0; seed < (quick ? 1 : 3); seed++)
    results.push(
      await trainChild({
        arch: DEFAULT_ARCH,
        hyperparameters: DEFAULT_HYPERPARAMETERS,
        dataset: digits,
        training: TrainingSpec.parse({ steps: 60 }),
        seed,
      }),
    );
  const first = results[0]!;
  // The default child under the default Fashion-MNIST recipe (bench/fashion-default.ts).
  let fashion: FashionDefault | undefined;
  try {
    fashion = await fashionDefault(quick ? 1 : 3, (line) => process.stderr.write(`${line}\n`));
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    skipped.fashionDefault = e.message.split('\n')[0]!;
  }
  return {
    R1,
    R1SpeedupVsCpu: speedupVsCpu,
    R1Ratios: fast.ratios,
    R1CpuTimeRatios: fast.cpuRatios,
    ...(fast.lambdaSizing ? { lambdaSizing: fast.lambdaSizing } : {}),
    machine: fast.machine,
    skipped,
    digitsDefault: {
      testAccuracy: Number(median(results.map((r) => r.testAccuracy)).toFixed(4)),
      testAccuracyBySeed: results.map((r) => Number(r.testAccuracy.toFixed(4))),
      valAccuracy: Number(median(results.map((r) => r.valAccuracy)).toFixed(4)),
      examplesPerSec: Number(median(results.map((r) => r.examplesPerSec)).toFixed(1)),
      trainSeconds: Number(median(results.map((r) => r.trainSeconds)).toFixed(2)),
      steps: first.stepsDone,
      batchSize: DEFAULT_HYPERPARAMETERS.batchSize,
      params: first.params,
      backend: info.name,
    },
    ...(fashion ? { fashionDefault: fashion } : {}),
  };
}
