// `npm run bench -- trainer [--quick]`: training speed of reference model R1 on every local backend
// (examples/s, median of several timed runs after a warm-up, each backend kept under a minute),
// and the default child on builtin:digits (test accuracy within its default budget).
import { execFileSync } from 'node:child_process';
import { loadDataset } from '../core/data/load.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../core/network/defaults.js';
import { FastBatchNormalization } from '../core/network/fast-batchnorm.js';
import { Rng } from '../core/rng.js';
import { DatasetSpec, TrainingSpec } from '../core/spec/schema.js';
import { type BackendChoice, initBackend, tf } from '../core/training/backend.js';
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

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Examples/s of R1 training (Adam 1e-3, batch 64, random data) on one backend. */
async function benchR1(choice: BackendChoice, budgetSeconds: number, runs: number) {
  const info = await initBackend(choice);
  const model = buildR1();
  const { vars, decayed } = trainables(model);
  const opt = new ChildOptimizer('adam', 1e-3, 0, vars, decayed);
  const rng = Rng.fromSeed('bench-r1');
  const x = Float32Array.from({ length: BATCH * 784 }, () => rng.normal());
  const y = Int32Array.from({ length: BATCH }, () => rng.int(10));
  const step = () => trainStep(model, vars, opt, x, y, [28, 28, 1], 10);
  let t = performance.now();
  step(); // warm-up: kernel JIT, first allocations
  const warm = (performance.now() - t) / 1000;
  // Steps per timed run so that all runs fit the budget.
  const perRun = Math.max(1, Math.floor(budgetSeconds / runs / Math.max(warm, 1e-3)));
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    for (let i = 0; i < perRun; i++) step();
    rates.push((perRun * BATCH) / ((performance.now() - t) / 1000));
  }
  opt.dispose();
  model.dispose();
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
rates.sort()
print('{"examplesPerSec": %.1f, "threads": %d, "stepsPerRun": %d, "torch": "%s"}' % (rates[len(rates) // 2], torch.get_num_threads(), per, torch.__version__))
`;

function benchTorch(budget: number, runs: number): Record<string, unknown> {
  let lastError = 'no python3 with torch found';
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(py, ['-c', TORCH_R1, String(budget), String(runs)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
      return { backend: 'pytorch-cpu', ...(JSON.parse(out.trim().split('\n').at(-1)!) as object) };
    } catch (e) {
      lastError = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').at(-1)!;
    }
  }
  throw new Error(lastError);
}

export async function run(args: string[]): Promise<unknown> {
  const quick = args.includes('--quick');
  const budget = quick ? 8 : 40;
  const runs = quick ? 3 : 5;
  const R1: Record<string, unknown> = {};
  const choices: BackendChoice[] = ['cpu', 'cpu-fast', 'tensorflow'];
  const skipped: Record<string, string> = {};
  const { nativeKernels, jsKernels } = await import('../core/training/kernels/index.js');
  for (const choice of choices) {
    try {
      if (choice === 'cpu-fast') {
        // Each fast pack separately, so their ratios to plain cpu are visible.
        for (const pack of [nativeKernels, jsKernels]) {
          await initBackend('cpu');
          if (!(await pack.install(tf))) {
            skipped[`cpu+${pack.name}`] = pack.unavailableReason?.() ?? 'unavailable';
            continue;
          }
          const r = await benchR1('cpu', budget, runs);
          pack.uninstall(tf);
          R1[`cpu+${pack.name}`] = { ...r, backend: `cpu+${pack.name}` };
        }
      } else {
        const r = await benchR1(
          choice,
          choice === 'cpu' ? Math.min(budget, 30) : budget,
          choice === 'cpu' ? 3 : runs,
        );
        R1[r.backend] = r;
      }
    } catch (e) {
      skipped[choice] = (e as Error).message.split('\n')[0]!;
    }
  }
  let torch: number | undefined;
  try {
    const t = benchTorch(budget, runs);
    R1['pytorch-cpu'] = t;
    torch = t.examplesPerSec as number;
  } catch (e) {
    skipped['pytorch-cpu'] = (e as Error).message;
  }
  const ratioToPytorch: Record<string, number> = {};
  if (torch)
    for (const [k, v] of Object.entries(R1))
      if (k !== 'pytorch-cpu')
        ratioToPytorch[k] = Number(((v as { examplesPerSec: number }).examplesPerSec / torch).toFixed(3));
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
