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

/**
 * Misses of a tumbling window of `w` addresses over a stream with `distinct` first-time addresses
 * per sweep, when each window flush forces the live working set `live` to be fetched again:
 * m = distinct + ⌊m / w⌋ · live (fixed point).
 */
function tumbling(distinct: number, live: number, w: number): number {
  if (live <= 0) return distinct;
  let m = distinct;
  for (let i = 0; i < 50; i++) {
    const next = distinct + Math.floor(m / w) * live;
    if (next === m) break;
    m = next;
  }
  return m;
}

export function fastLayer(l: ConvShape, a: SystolicArray): SystolicLayerResult {
  const c = computeReport(l, a);
  const { M, N, K } = c.gemm;
  const m = c.mapping;
  const E = Math.ceil((l.ifmapH - l.filterH + l.strideH) / l.strideH);
  const F = M / E;
  const C = l.channels;
  const cols = touched(F, l.filterW, l.strideW, l.ifmapW);
  const uIfmap = touched(E, l.filterH, l.strideH, l.ifmapH) * cols * C;
  // Input rows shared by consecutive output rows: what a window flush forces to be fetched again.
  const band = Math.max(0, l.filterH - l.strideH) * l.ifmapW * C;
  const wIf = windowWords(a.ifmapSramKB);
  const wFi = windowWords(a.filterSramKB);
  let dIf: number;
  let dFi: number;
  if (a.dataflow === 'os') {
    // Each column fold sweeps all pixels in raster order, Ra pixels × the whole window per fold.
    if (uIfmap <= wIf) dIf = uIfmap;
    else if (band < wIf) dIf = tumbling(m.colFold * uIfmap, band, wIf);
    else dIf = m.colFold * m.rowFold * Math.min(a.rows * K, pixelBlockFootprint(l, F, E, a.rows));
    dIf = Math.min(dIf, c.sramIfmapReads);
    // Each column fold reads its K × Ca filter slice once per row fold.
    if (K * N <= wFi) dFi = K * N;
    else if (K * Math.min(a.cols, N) <= wFi) dFi = tumbling(K * N, K * Math.min(a.cols, N), wFi);
    else dFi = m.rowFold * K * N;
  } else if (a.dataflow === 'ws') {
    // Each column fold walks the filter positions (r, t), channels fastest, over all pixels.
    const perPosition = M * C;
    if (uIfmap <= wIf) dIf = uIfmap;
    else if (C < a.rows) dIf = m.colFold * m.rowFold * Math.min(a.rows * M, uIfmap);
    else if (perPosition > wIf) dIf = m.colFold * M * K;
    else if (l.filterW * perPosition <= wIf) dIf = m.colFold * tumbling(uIfmap, perPosition, wIf);
    else if (l.strideW * perPosition <= wIf) dIf = m.colFold * l.filterH * E * cols * C;
    else dIf = m.colFold * M * K;
    dIf = Math.min(dIf, c.sramIfmapReads);
    dFi = K * N;
  } else {
    // Column folds take Ca pixels in raster order; all row folds of one share their input patch.
    const patch = pixelBlockFootprint(l, F, E, Math.min(a.cols, M));
    if (uIfmap <= wIf) dIf = uIfmap;
    else if (band < wIf) dIf = tumbling(uIfmap, band, wIf);
    else if (patch <= wIf) dIf = m.colFold * patch;
    else dIf = M * K;
    dIf = Math.min(dIf, c.sramIfmapReads);
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
