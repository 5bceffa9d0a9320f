// Fast tier: SCALE-Sim's schedule in closed form. Cycles (CALC), utilizations and SRAM counts are
// exact; DRAM reads are estimated from operand footprints against the buffer's window; USER-mode
// stalls are a bandwidth roofline. Cost is O(folds) at worst, O(1) for the common paths.
import { type ArrayShape, type ConvShape, computeReport, overallUtilPct } from './layer.js';
import { type SystolicArray, type SystolicLayerResult, windowWords } from './result.js';

/** Input rows (or cols) touched by n consecutive output rows: windows overlap when k ≥ s. */
function touched(n: number, k: number, s: number, size: number): number {
  if (n <= 0) return 0;
  return Math.min(size, k >= s ? (n - 1) * s + k : n * k);
}

/** Distinct ifmap addresses read by output pixels [0, p) of an E×F map (p consecutive pixels). */
function pixelBlockFootprint(l: ConvShape, F: number, E: number, p: number): number {
  const rows = Math.min(E, Math.ceil(p / F) + (p % F === 0 ? 0 : 1));
  const cols = Math.min(F, p);
  return (
    touched(Math.min(rows, E), l.filterH, l.strideH, l.ifmapH) *
    touched(cols, l.filterW, l.strideW, l.ifmapW) *
    l.channels
  );
}

export function fastLayer(l: ConvShape, a: SystolicArray): SystolicLayerResult {
  const c = computeReport(l, a);
  const { M, N, K } = c.gemm;
  const m = c.mapping;
  const E = Math.ceil((l.ifmapH - l.filterH + l.strideH) / l.strideH);
  const F = M / E;
  const uIfmap =
    touched(E, l.filterH, l.strideH, l.ifmapH) * touched(F, l.filterW, l.strideW, l.ifmapW) * l.channels;
  const wIf = windowWords(a.ifmapSramKB);
  const wFi = windowWords(a.filterSramKB);
  let dIf: number;
  let dFi: number;
  if (a.dataflow === 'os') {
    // Each column fold sweeps all pixels; a fold holds Ra pixels × the whole window.
    dIf =
      uIfmap <= wIf
        ? uIfmap
        : m.colFold * m.rowFold * Math.min(a.rows * K, pixelBlockFootprint(l, F, E, a.rows));
    dIf = Math.min(dIf, c.sramIfmapReads);
    dFi = K * N <= wFi || K * Math.min(a.cols, N) <= wFi ? K * N : m.rowFold * K * N;
  } else if (a.dataflow === 'ws') {
    // Row folds take Ra window elements over all pixels; the filter is read exactly once.
    dIf = uIfmap <= wIf ? uIfmap : m.colFold * Math.min(K * M, m.rowFold * Math.min(a.rows * M, uIfmap));
    dFi = K * N;
  } else {
    // Column folds take Ca pixels; all row folds of one column fold share their input patch.
    const patch = pixelBlockFootprint(l, F, E, Math.min(a.cols, M));
    dIf = uIfmap <= wIf ? uIfmap : patch <= wIf ? Math.min(M * K, m.colFold * patch) : M * K;
    dFi = K * N <= wFi ? K * N : m.colFold * K * N;
  }
  const dOf = c.validOfmapWrites;
  let stall = 0;
  if (a.bandwidth !== undefined) {
    // Each operand has its own port of `bandwidth` words/cycle; the slowest bounds the layer.
    const need = Math.ceil(Math.max(dIf, dFi, dOf) / a.bandwidth);
    stall = Math.max(0, need - c.computeCycles);
  }
  const total = c.computeCycles + stall;
  return {
    name: l.name,
    totalCycles: total,
    stallCycles: stall,
    computeCycles: c.computeCycles,
    macs: c.macs,
    overallUtilPct: overallUtilPct(c.macs, total, a as ArrayShape),
    mappingEfficiencyPct: c.mappingEfficiencyPct,
    computeUtilPct: c.computeUtilPct,
    sram: { ifmapReads: c.sramIfmapReads, filterReads: c.sramFilterReads, ofmapWrites: c.sramOfmapWrites },
    dram: { ifmapReads: dIf, filterReads: dFi, ofmapWrites: dOf },
  };
}
