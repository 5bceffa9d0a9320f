// Fast tier: SCALE-Sim's schedule in closed form. Cycles (CALC), utilizations and SRAM counts are
// exact; DRAM reads are estimated from operand footprints against the buffer's tumbling window;
// USER-mode reads and stalls come from a statistical model of SCALE-Sim's circular prefetch
// window. O(1) per layer: no loop over folds or addresses.
import {
  type ArrayShape,
  type ConvShape,
  computeReport,
  ifmapFootprint,
  inputSpan,
  overallUtilPct,
} from './layer.js';
import { type SystolicArray, type SystolicLayerResult, windowWords } from './result.js';

/** Distinct ifmap addresses read by output pixels [0, p) of an E×F map (p consecutive pixels). */
function pixelBlockFootprint(l: ConvShape, F: number, E: number, p: number): number {
  const rows = Math.min(E, Math.ceil(p / F) + (p % F === 0 ? 0 : 1));
  const cols = Math.min(F, p);
  return (
    inputSpan(Math.min(rows, E), l.filterH, l.strideH, l.ifmapH) *
    inputSpan(cols, l.filterW, l.strideW, l.ifmapW) *
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
  const cols = inputSpan(F, l.filterW, l.strideW, l.ifmapW);
  const uIfmap = ifmapFootprint(l);
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
    const bw = a.bandwidth;
    // SCALE-Sim's USER read buffer walks a circular window over the operand's prefetch order,
    // half a buffer per refill (one line of `bw` words per cycle, plus one). Each sweep of the
    // demand over the prefetch order costs one revolution; so does each demand that lands behind
    // the window: a repeated slice that does not fit, or a fold whose demand starts `span`
    // positions ahead of its lowest position when a refill happens to stop inside that span
    // (probability span / refill size). The row waits for its refill: the slowest port bounds.
    const port = (kB: number, valid: number, sweeps: number, jumps: number, folds: number, span: number) => {
      const Z = kB * 1024;
      const half = Z - Math.ceil(Z / 2);
      const perSet = Math.ceil(Z / 100);
      const sets = Math.floor(valid / perSet) + 1;
      const active = Math.min(sets, Math.ceil(Math.ceil(Z / 2) / perSet));
      const step = Math.min(sets - active, Math.ceil(half / perSet));
      const lines = Math.ceil(half / bw);
      let refills = 0;
      if (step > 0) {
        const revolution = Math.ceil(sets / step);
        const behind = jumps + folds * Math.min(1, span / (step * perSet));
        refills = sweeps * Math.ceil((sets - active) / step) + Math.round(behind * revolution);
      }
      return {
        words: bw * (Math.min(Math.ceil(Math.ceil(Z / 2) / bw), Math.ceil(valid / bw)) + refills * lines),
        cycles: refills * (lines + 1),
      };
    };
    const ifValid = M * K;
    const fiValid = K * N;
    const folds = m.folds;
    // Rolled (anti-diagonal) prefetch orders put a fold's first Ra²/2 entries before the previous tail.
    const rolledSpan = (a.rows * (a.rows - 1)) / 2;
    let ifPort: ReturnType<typeof port>;
    let fiPort: ReturnType<typeof port>;
    if (a.dataflow === 'os') {
      ifPort = port(a.ifmapSramKB, ifValid, m.colFold, 0, folds, rolledSpan);
      const sliceFits = K * Math.min(a.cols, N) <= (a.filterSramKB * 1024) / 2;
      fiPort = port(a.filterSramKB, fiValid, 1, sliceFits ? 0 : m.colFold * (m.rowFold - 1), 0, 0);
    } else if (a.dataflow === 'ws') {
      ifPort = port(a.ifmapSramKB, ifValid, m.colFold, 0, folds, rolledSpan);
      fiPort = port(a.filterSramKB, fiValid, 1, 0, folds, a.rows * a.cols);
    } else {
      ifPort = port(a.ifmapSramKB, ifValid, 1, 0, folds, a.rows * a.cols);
      fiPort = port(a.filterSramKB, fiValid, m.colFold, 0, folds, rolledSpan);
    }
    dIf = ifPort.words;
    dFi = fiPort.words;
    const need = Math.max(ifPort.cycles, fiPort.cycles, Math.ceil(dOf / bw));
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
