// `npm run bench -- trainer [--quick]`: training speed of reference model R1 on every local backend
// (examples/s, median of timed runs after a warm-up, each backend kept under a minute; the fast
// kernel packs interleaved round by round with PyTorch-CPU, whose ratio is the median of the
// per-round ratios), and the default child on builtin:digits (test accuracy within its budget).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { loadDataset } from '../core/data/load.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../core/network/defaults.js';
import { FastBatchNormalization } from '../core/network/fast-batchnorm.js';
import { Rng } from '../core/rng.js';
import { DatasetSpec, TrainingSpec } from '../core/spec/schema.js';
import { median } from '../core/stats.js';
import { type BackendChoice, initBackend, type KernelPack, tf } from '../core/training/backend.js';
import { ChildOptimizer } from '../core/training/optimizer.js';
import { trainables, trainChild, trainStep } from '../core/training/train.js';

const BATCH = 64;

/** R1 from issue #5: 28×28×1, conv3×3/16, dw3×3 s2, conv1×1/32, BN, conv3×3/32 s2, GAP, dense 10. */
function buildR1() {
  const seed = (n: number) => tf.initializers.glorotUniform({ seed: n });
  const input = tf.input({ shape: [28, 28, 1] });
  let x = tf.layers
    .conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seed(1) })
    .apply(input);
  x = tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      depthwiseInitializer: seed(2),
    })
    .apply(x);
  x = tf.layers
    .conv2d({ filters: 32, kernelSize: 1, activation: 'relu', kernelInitializer: seed(3) })
    .apply(x);
  // The trainer's batch-norm (fused on cpu, the stock layer elsewhere).
  x = new FastBatchNormalization({}).apply(x);
  x = tf.layers
    .conv2d({
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: seed(4),
    })
    .apply(x);
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  // Logits: softmax is folded into the cross-entropy, as the trainer does.
  const out = tf.layers.dense({ units: 10, kernelInitializer: seed(5) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** R1 training (Adam 1e-3, batch 64, random data) on the current backend, ready for timed runs. */
function r1Session() {
  const model = buildR1();
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
const TORCH_R1 = `
import sys, time, torch, torch.nn as nn
torch.manual_seed(0)
budget, runs = float(sys.argv[1]), int(sys.argv[2])
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
rates = []
for _ in range(runs):
    t = time.perf_counter()
    for _ in range(per): step()
    rates.append(per * 64 / (time.perf_counter() - t))
print('{"runs": [%s], "threads": %d, "stepsPerRun": %d, "torch": "%s"}' % (', '.join('%.1f' % r for r in rates), torch.get_num_threads(), per, torch.__version__))
`;

interface TorchRuns {
  runs: number[];
  threads: number;
  stepsPerRun: number;
  torch: string;
}

/** Timed runs of R1 in PyTorch (default thread count), in a fresh python process. */
function benchTorch(budget: number, runs: number): TorchRuns {
  let lastError = 'no python3 with torch found';
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(py, ['-c', TORCH_R1, String(budget), String(runs)], {
        encoding: 'utf8',
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

/**
 * The fast kernel packs and PyTorch, interleaved: each round times every variant once, then
 * PyTorch once, so all see the same machine load (other processes share these cores). The
 * ratio to PyTorch is the median of the per-round ratios.
 */
async function benchFastInterleaved(perRunSeconds: number, rounds: number) {
  const { nativeKernels, jsKernels } = await import('../core/training/kernels/index.js');
  const { loadNative } = await import('../core/training/kernels/native.js');
  const binding = loadNative().binding;
  const skipped: Record<string, string> = {};
  await initBackend('cpu');
  const s = r1Session();
  const defaultThreads = binding ? binding.setThreads(1) : 0;
  if (binding) binding.setThreads(defaultThreads);
  const cores = availableParallelism();
  // Variant name, pack, native thread count (0: not native): the default, and all cores.
  const variants: [string, KernelPack, number][] = [];
  if (await nativeKernels.install(tf)) {
    nativeKernels.uninstall(tf);
    variants.push([`cpu+native`, nativeKernels, defaultThreads]);
    if (cores !== defaultThreads) variants.push([`cpu+native (${cores} threads)`, nativeKernels, cores]);
  } else skipped['cpu+native'] = nativeKernels.unavailableReason?.() ?? 'unavailable';
  variants.push(['cpu+js', jsKernels, 0]);
  const steps = new Map<string, number>();
  const rates = new Map<string, number[]>();
  const withVariant = async <T>([, pack, threads]: [string, KernelPack, number], f: () => T): Promise<T> => {
    await pack.install(tf);
    const prev = binding && threads ? binding.setThreads(threads) : 0;
    try {
      return f();
    } finally {
      if (binding && threads) binding.setThreads(prev);
      pack.uninstall(tf);
    }
  };
  for (const v of variants) {
    const warm = await withVariant(v, () => s.warm());
    steps.set(v[0], Math.max(1, Math.floor(perRunSeconds / Math.max(warm, 1e-3))));
    rates.set(v[0], []);
  }
  const torchRates: number[] = [];
  let torchInfo: TorchRuns | undefined;
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) rates.get(v[0])!.push(await withVariant(v, () => s.run(steps.get(v[0])!)));
    try {
      torchInfo = benchTorch(perRunSeconds, 1);
      torchRates.push(torchInfo.runs[0]!);
    } catch (e) {
      skipped['pytorch-cpu'] = (e as Error).message;
    }
  }
  s.dispose();
  const R1: Record<string, unknown> = {};
  const ratioToPytorch: Record<string, number> = {};
  const round1 = (x: number) => Number(x.toFixed(1));
  for (const [name, , threads] of variants) {
    const rs = rates.get(name)!;
    R1[name] = {
      backend: name.split(' ')[0],
      examplesPerSec: round1(median(rs)),
      runs: rs.map(round1),
      stepsPerRun: steps.get(name),
      ...(threads ? { threads } : {}),
    };
    if (torchRates.length === rs.length)
      ratioToPytorch[name] = Number(median(rs.map((x, i) => x / torchRates[i]!)).toFixed(3));
  }
  if (torchInfo)
    R1['pytorch-cpu'] = {
      backend: 'pytorch-cpu',
      examplesPerSec: round1(median(torchRates)),
      runs: torchRates.map(round1),
      stepsPerRun: torchInfo.stepsPerRun,
      threads: torchInfo.threads,
      torch: torchInfo.torch,
    };
  return { R1, ratioToPytorch, skipped };
}

export async function run(args: string[]): Promise<unknown> {
  const quick = args.includes('--quick');
  const R1: Record<string, unknown> = {};
  const skipped: Record<string, string> = {};
  // The fast packs first, on a fresh heap: after plain cpu's seconds-long JS kernels the same
  // process ran them measurably slower.
  const fast = await benchFastInterleaved(quick ? 2 : 6, quick ? 3 : 5);
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
  const ratioToPytorch: Record<string, number> = fast.ratioToPytorch;
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
  return {
    R1,
    R1SpeedupVsCpu: speedupVsCpu,
    R1RatioToPytorch: ratioToPytorch,
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
  };
}
