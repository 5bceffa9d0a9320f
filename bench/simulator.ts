// `npm run bench -- simulator [--sizes 16,32,64] [--reps 5] [--user BW] [--candidates 200]`: the accelerator simulator
// on a ResNet-18-sized network (224×224, the 20 convs + fc of ResNet-18), across the three
// dataflows and several square array sizes, 64 kB SRAMs, CALC mode (and USER with --user).
// Reports the exact tier's time per layer (median over layers and configurations of each layer's
// median over repetitions, wall and CPU), its layers/s and speedup over SCALE-Sim (its recorded
// times on the golden cases, including full-size ResNet-18 layers), the fast tier's layer
// evaluations per second and its error against the exact tier (cycles, DRAM), and, on the
// candidates a search meets (`searchCandidates`), both tiers' time per candidate (what a
// search's simulate step pays; searches use the exact tier) and the fast tier's error on latency
// and energy (what a benchmark that keeps the fast tier for its millions of evaluations accepts).
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { simulateNetwork } from '../core/accelerator/index.js';
import { type GemmWork, lowerNetwork } from '../core/accelerator/lowering.js';
import { parseScaleSimCfg, parseTopologyCsv } from '../core/accelerator/scalesim-io.js';
import { exactLayer } from '../core/accelerator/systolic/exact.js';
import { fastLayer } from '../core/accelerator/systolic/fast.js';
import type { SystolicArray, SystolicLayerResult } from '../core/accelerator/systolic/result.js';
import { systolicArray } from '../core/accelerator/systolic/template.js';
import type { Layer, NetworkSummary } from '../core/network/layers.js';
import { summarizeNetwork } from '../core/network/summary.js';
import { Rng } from '../core/rng.js';
import { SearchSpace } from '../core/space/encoding.js';
import { SearchSpec } from '../core/spec/schema.js';
import { median } from '../core/stats.js';

/** ResNet-18 at 224×224 as a NetworkSummary (convs, batch-norms, ReLUs, adds, pools, fc). */
export function resnet18(): NetworkSummary {
  const layers: Layer[] = [];
  let h = 224;
  let c = 3;
  const conv = (name: string, k: number, s: number, outC: number, inC = c, inH = h) => {
    const outH = Math.ceil(inH / s);
    const macs = outH * outH * k * k * inC * outC;
    layers.push({
      kind: 'conv',
      name,
      inH,
      inW: inH,
      inC,
      kH: k,
      kW: k,
      stride: s,
      padding: 'same',
      outH,
      outW: outH,
      outC,
      bias: false,
      macs,
      params: k * k * inC * outC,
    });
    const n = outH * outH * outC;
    layers.push({
      kind: 'vector',
      name: `${name}_bn`,
      op: 'batchnorm',
      reads: n,
      writes: n,
      ops: 2 * n,
      params: 2 * outC,
    });
    return outH;
  };
  const relu = (name: string) => {
    const n = h * h * c;
    layers.push({ kind: 'vector', name, op: 'relu', reads: n, writes: n, ops: n, params: 0 });
  };
  h = conv('conv1', 7, 2, 64);
  c = 64;
  relu('conv1_relu');
  layers.push({
    kind: 'vector',
    name: 'pool1',
    op: 'avgpool',
    reads: h * h * c,
    writes: (h / 2) ** 2 * c,
    ops: 9 * (h / 2) ** 2 * c,
    params: 0,
  });
  h = h / 2;
  for (const [stage, width] of [64, 128, 256, 512].entries()) {
    for (let b = 0; b < 2; b++) {
      const s = stage > 0 && b === 0 ? 2 : 1;
      const name = `layer${stage + 1}.${b}`;
      const inC = c;
      const inH = h;
      const outH = conv(`${name}.conv1`, 3, s, width, inC, inH);
      h = outH;
      c = width;
      relu(`${name}.relu1`);
      conv(`${name}.conv2`, 3, 1, width);
      if (s === 2 || inC !== width) conv(`${name}.down`, 1, s, width, inC, inH);
      const n = h * h * c;
      layers.push({
        kind: 'vector',
        name: `${name}.add`,
        op: 'add',
        reads: 2 * n,
        writes: n,
        ops: n,
        params: 0,
      });
      relu(`${name}.relu2`);
    }
  }
  layers.push({
    kind: 'vector',
    name: 'gap',
    op: 'globalavgpool',
    reads: h * h * c,
    writes: c,
    ops: h * h * c,
    params: 0,
  });
  layers.push({
    kind: 'dense',
    name: 'fc',
    inFeatures: 512,
    outFeatures: 1000,
    bias: true,
    macs: 512_000,
    params: 513_000,
  });
  const macs = layers.reduce((s, l) => s + (l.kind === 'vector' ? 0 : l.macs), 0);
  const params = layers.reduce((s, l) => s + l.params, 0);
  return { inputShape: [224, 224, 3], numClasses: 1000, layers, params, macs };
}

const relErr = (f: number, e: number) => (e === 0 ? (f === 0 ? 0 : 1) : Math.abs(f - e) / e);

function errors(fast: SystolicLayerResult[], exact: SystolicLayerResult[]) {
  const per = (pick: (r: SystolicLayerResult) => number) => {
    const errs = fast.map((f, i) => relErr(pick(f), pick(exact[i] as SystolicLayerResult)));
    const sumF = fast.reduce((s, r) => s + pick(r), 0);
    const sumE = exact.reduce((s, r) => s + pick(r), 0);
    const r3 = (x: number) => Number(x.toFixed(4));
    return { medianRel: r3(median(errs)), maxRel: r3(Math.max(...errs)), networkRel: r3(relErr(sumF, sumE)) };
  };
  return {
    totalCycles: per((r) => r.totalCycles),
    dramIfmapReads: per((r) => r.dram.ifmapReads),
    dramFilterReads: per((r) => r.dram.filterReads),
    dramOfmapWrites: per((r) => r.dram.ofmapWrites),
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Wall and CPU milliseconds of one call (CPU time is what the process itself used: less noisy on a shared machine). */
function timed<T>(f: () => T): { value: T; wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

const r3 = (x: number) => Number(x.toFixed(3));

interface GoldenFile {
  cases: { id: string; cfg: string; topology: string; inputType: 'conv' | 'gemm'; scalesimSeconds: number }[];
}

/** The exact tier on every SCALE-Sim golden case, against SCALE-Sim's recorded wall time for it. */
function scalesimComparison(reps: number) {
  const dir = new URL('../test/fixtures/scalesim/', import.meta.url).pathname;
  const out = [];
  for (const file of ['goldens-resnet.json', 'goldens-mid.json', 'goldens-strided.json']) {
    if (!existsSync(dir + file)) continue;
    for (const c of (JSON.parse(readFileSync(dir + file, 'utf8')) as GoldenFile).cases) {
      const a = systolicArray(parseScaleSimCfg(c.cfg).config);
      const layers = parseTopologyCsv(c.topology, { gemm: c.inputType === 'gemm' });
      const times: number[] = [];
      for (let r = 0; r < reps; r++) times.push(timed(() => layers.map((l) => exactLayer(l, a))).wallMs);
      const ours = median(times) / 1000;
      out.push({
        file,
        case: c.id,
        layers: layers.length,
        mode: a.bandwidth === undefined ? 'CALC' : 'USER',
        scalesimSeconds: c.scalesimSeconds,
        exactTierSeconds: Number(ours.toPrecision(3)),
        speedup: Math.round(c.scalesimSeconds / ours),
      });
    }
  }
  return out;
}

/**
 * Seeded candidates of a search space on both tiers: time per candidate (median and max, after a
 * warm-up) and the fast tier's relative error on latency and energy against the exact tier.
 */
function searchCandidates(samples: number) {
  const spaces: { name: string; spec: SearchSpec; shape: [number, number, number] }[] = [
    { name: 'default space, 8x8x1 (digits)', spec: SearchSpec.parse({}), shape: [8, 8, 1] },
    { name: 'default space, 28x28x1 (Fashion-MNIST)', spec: SearchSpec.parse({}), shape: [28, 28, 1] },
    {
      name: 'default space, 28x28x1, USER bandwidth 4 or 16 words/cycle',
      spec: SearchSpec.parse({
        space: { accelerator: { template: 'systolic', bandwidthWordsPerCycle: [4, 16] } },
      }),
      shape: [28, 28, 1],
    },
  ];
  return spaces.map(({ name, spec, shape }) => {
    const space = new SearchSpace(spec);
    const rng = Rng.fromSeed('bench-simulator-candidates');
    const cands: [NetworkSummary, ReturnType<SearchSpace['sample']>['accelerator']][] = [];
    while (cands.length < samples) {
      const c = space.sample(rng);
      try {
        cands.push([summarizeNetwork(c.network, shape, 10), c.accelerator]);
      } catch {
        // an infeasible network: a search never simulates it either
      }
    }
    const perTier = (tier: 'fast' | 'exact') => {
      for (const [n, a] of cands.slice(0, 10)) simulateNetwork(n, a, tier);
      const ms: number[] = [];
      const out = cands.map(([n, a]) => {
        const t = timed(() => simulateNetwork(n, a, tier));
        ms.push(t.wallMs);
        return t.value;
      });
      return { out, ms };
    };
    const fast = perTier('fast');
    const exact = perTier('exact');
    const err = (pick: (m: (typeof fast.out)[number]) => number) => {
      const e = fast.out.map((f, i) => relErr(pick(f), pick(exact.out[i] as (typeof fast.out)[number])));
      const r4 = (x: number) => Number(x.toFixed(4));
      return {
        medianRel: r4(median(e)),
        p90Rel: r4(e.sort((x, y) => x - y)[Math.floor(0.9 * (e.length - 1))] as number),
        maxRel: r4(Math.max(...e)),
      };
    };
    return {
      space: name,
      candidates: samples,
      exactMsPerCandidate: { median: r3(median(exact.ms)), max: r3(Math.max(...exact.ms)) },
      fastMsPerCandidate: { median: r3(median(fast.ms)), max: r3(Math.max(...fast.ms)) },
      fastErrorVsExact: { latencyCycles: err((m) => m.latencyCycles), energy: err((m) => m.energyMJ) },
    };
  });
}

export async function run(args: string[]): Promise<unknown> {
  const sizes = (flag(args, 'sizes') ?? '16,32,64').split(',').map(Number);
  const reps = Number(flag(args, 'reps') ?? 5);
  const userBw = flag(args, 'user');
  const candidates = Number(flag(args, 'candidates') ?? 200);
  const net = resnet18();
  const work = lowerNetwork(net).filter((w): w is GemmWork => w.kind === 'gemm');
  const configs: SystolicArray[] = [];
  for (const n of sizes)
    for (const dataflow of ['os', 'ws', 'is'] as const)
      configs.push({ rows: n, cols: n, dataflow, ifmapSramKB: 64, filterSramKB: 64, ofmapSramKB: 64 });
  if (userBw) for (const c of [...configs]) configs.push({ ...c, bandwidth: Number(userBw) });

  // Warm the JIT on every configuration before any timing.
  for (const a of configs) for (const w of work) exactLayer(w.shape, a);
  for (let k = 0; k < 50; k++) for (const a of configs) for (const w of work) fastLayer(w.shape, a);

  const fastRates: number[] = [];
  const exactWall: number[] = [];
  const exactCpu: number[] = [];
  let exactTotalMs = 0;
  let exactLayers = 0;
  const perConfig = [];
  for (const a of configs) {
    const fastTimes: number[] = [];
    let fast: SystolicLayerResult[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      // Many passes per timing so the clock's resolution does not dominate.
      for (let k = 0; k < 200; k++) fast = work.map((w) => fastLayer(w.shape, a));
      fastTimes.push((performance.now() - t0) / 200);
    }
    // The exact tier layer by layer: the median over repetitions of each layer.
    const exact: SystolicLayerResult[] = [];
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const w of work) {
      const ws: number[] = [];
      const cs: number[] = [];
      let r: SystolicLayerResult | undefined;
      for (let k = 0; k < reps; k++) {
        const t = timed(() => exactLayer(w.shape, a));
        r = t.value;
        ws.push(t.wallMs);
        cs.push(t.cpuMs);
        exactTotalMs += t.wallMs;
        exactLayers++;
      }
      exact.push(r as SystolicLayerResult);
      wall.push(median(ws));
      cpu.push(median(cs));
    }
    exactWall.push(...wall);
    exactCpu.push(...cpu);
    const fastRate = (work.length * 1000) / median(fastTimes);
    fastRates.push(fastRate);
    perConfig.push({
      array: `${a.rows}x${a.cols}`,
      dataflow: a.dataflow,
      mode: a.bandwidth === undefined ? 'CALC' : `USER bw ${a.bandwidth}`,
      exactMsPerLayerMedian: r3(median(wall)),
      exactCpuMsPerLayerMedian: r3(median(cpu)),
      exactMsPerLayerMax: r3(Math.max(...wall)),
      slowestLayer: work[wall.indexOf(Math.max(...wall))]?.name,
      fastLayerEvalsPerSec: Math.round(fastRate),
      networkCyclesExact: exact.reduce((s, r) => s + r.totalCycles, 0),
      fastErrorVsExact: errors(fast, exact),
    });
  }
  const medianMs = median(exactWall);
  return {
    network: { name: 'resnet18-224', gemmLayers: work.length, macs: net.macs },
    sram: '64/64/64 kB',
    repetitions: reps,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
    exactTier: {
      // Median over every (layer, configuration) of that layer's median time.
      msPerLayerMedian: r3(medianMs),
      cpuMsPerLayerMedian: r3(median(exactCpu)),
      msPerLayerMean: r3(exactTotalMs / exactLayers),
      layersPerSecMedian: Math.round(1000 / medianMs),
      layersPerSecThroughput: Math.round((exactLayers * 1000) / exactTotalMs),
      // SCALE-Sim took 6.8 s per layer on average on these machines (issue #21).
      speedupVsScalesim6p8sMedian: Math.round(6800 / medianMs),
    },
    fastLayerEvalsPerSecMedian: Math.round(median(fastRates)),
    fastOverExactSpeedupMedian: Math.round((median(fastRates) * medianMs) / 1000),
    configs: perConfig,
    scalesimComparison: scalesimComparison(reps),
    searchCandidates: searchCandidates(candidates),
  };
}
