// Exact tier: every field SCALE-Sim v2 reports (README §4–9), the same numbers as the trace model
// (trace.ts) without stepping through SCALE-Sim's demand rows one by one. In CALC mode:
//  * ofmap: the writes per demand row are a closed form, and the write buffer runs from drain to
//    drain (ofmap.ts);
//  * filter DRAM reads: a closed form of the tumbling window over repeated blocks (filter-dram.ts);
//  * ifmap DRAM reads: address runs and bitsets, fold by fold, searching rows only where an epoch
//    ends (ifmap-dram.ts);
//  * utilizations and SRAM counts: closed forms and the per-fold float sums (layer.ts, folds.ts).
// USER mode runs the trace model (its reads stall, so the three operands advance together row by
// row), except when neither read operand can ever leave its buffer's active window: then reads
// never stall and the write buffer alone runs from event to event, as in CALC mode.
import { SimulationInputError, workProblems } from '../schema.js';
import { Epochs } from './epoch.js';
import { filterReads } from './filter-dram.js';
import { type Folds, foldAt, foldsOf, foldUtilizations } from './folds.js';
import { ifmapReads as runIfmapReads } from './ifmap-dram.js';
import {
  type ConvShape,
  computeReport,
  gemmOf,
  ifmapFootprint,
  outputDims,
  overallUtilPct,
} from './layer.js';
import { OfmapSchedule, runOfmap } from './ofmap.js';
import type { AccessWindow, ExactLayerResult, ExactOptions, SystolicArray } from './result.js';
import { operands, type RowFiller, traceLayer } from './trace.js';

export type { AccessWindow, ExactDetail, ExactLayerResult, ExactOptions } from './result.js';

/** First and last demand rows holding a valid read of an operand (README §5, SRAM start/stop), by scanning. */
function validRowSpan(fill: RowFiller, f: Folds, width: number): { first: number; last: number } {
  const buf = new Int32Array(width);
  const folds = f.rowFold * f.colFold;
  let first = -1;
  let last = -1;
  for (let i = 0; i < folds && first < 0; i++) {
    const { fr, fc, ru, cu, row0 } = foldAt(f, i);
    for (let t = 0; t < f.L; t++)
      if (fill(fr, fc, ru, cu, t, buf) > 0) {
        first = row0 + t;
        break;
      }
  }
  for (let i = folds - 1; i >= 0 && last < 0; i--) {
    const { fr, fc, ru, cu, row0 } = foldAt(f, i);
    for (let t = f.L - 1; t >= 0; t--)
      if (fill(fr, fc, ru, cu, t, buf) > 0) {
        last = row0 + t;
        break;
      }
  }
  return { first, last };
}

type Span = { first: number; last: number };

/**
 * SRAM read spans in closed form (README §5 table): the first fold's first read and the last
 * fold's last read. Only ifmaps with rounding holes need the scan, since a hole can empty the
 * first or last rows.
 */
function readSpans(
  l: ConvShape,
  a: SystolicArray,
  f: Folds,
  K: number,
  N: number,
  E: number,
  F: number,
): { ifmap: Span; filter: Span } {
  const { Ra } = f;
  const lastFold = foldAt(f, f.rowFold * f.colFold - 1);
  const first = foldAt(f, 0);
  const M = E * F;
  const g = lastFold.row0;
  let ifmap: Span;
  let filter: Span;
  if (a.dataflow === 'os') {
    ifmap = { first: 0, last: g + lastFold.ru - 1 + K - 1 };
    filter = { first: 0, last: g + lastFold.cu - 1 + K - 1 };
  } else if (a.dataflow === 'ws') {
    ifmap = { first: Ra, last: g + Ra + lastFold.ru - 1 + M - 1 };
    filter = { first: Ra - first.ru, last: g + Ra - 1 };
  } else {
    ifmap = { first: Ra - first.ru, last: g + Ra - 1 };
    filter = { first: Ra, last: g + Ra + lastFold.ru - 1 + N - 1 };
  }
  const holes = (E - 1) * l.strideH + l.filterH > l.ifmapH || (F - 1) * l.strideW + l.filterW > l.ifmapW;
  if (holes) ifmap = validRowSpan(operands(l, a, E, F).ifmap, f, Math.max(a.rows, a.cols));
  return { ifmap, filter };
}

/** Valid (non-hole) entries of the im2col ifmap operand: Σ over output rows and columns of what they read. */
function validIfmapEntries(l: ConvShape, E: number, F: number): number {
  let rows = 0;
  for (let oh = 0; oh < E; oh++) rows += Math.max(0, Math.min(l.filterH, l.ifmapH - oh * l.strideH));
  let cols = 0;
  for (let ow = 0; ow < F; ow++) cols += Math.max(0, Math.min(l.filterW, l.ifmapW - ow * l.strideW));
  return rows * cols * l.channels;
}

/**
 * A USER-mode read buffer whose operand never leaves its active window (README §9): SCALE-Sim cuts
 * the operand's prefetch order (`orderLength` entries, `valid` of them real addresses) into sets of
 * ⌈Z/100⌉ and keeps ⌈Z/2⌉ words active; when the active sets cover every set, every read hits, so
 * the operand never stalls and only the first active half is ever fetched. Returns its DRAM reads
 * and window then, or undefined when reads can miss.
 */
interface UserReads {
  reads: number;
  window: AccessWindow;
}

function userReadsFit(kB: number, bw: number, orderLength: number, valid: number): UserReads | undefined {
  const Z = kB * 1024;
  const active = Math.ceil(Z * 0.5);
  const perSet = Math.ceil(Z / 100);
  if (Math.ceil(active / perSet) < Math.floor(valid / perSet) + 1) return undefined;
  const lines = Math.min(Math.ceil(active / bw), Math.ceil(orderLength / bw));
  return { reads: bw * lines, window: { start: -lines, stop: -1 } };
}

/** The prefetch orders' lengths (rows × columns of SCALE-Sim's prefetch matrices, padding included). */
function prefetchLengths(a: SystolicArray, M: number, N: number, K: number) {
  const up = (x: number, d: number) => Math.ceil(x / d) * d;
  if (a.dataflow === 'os') return { ifmap: up(M, a.rows) * K, filter: up(N, a.cols) * K };
  if (a.dataflow === 'ws') return { ifmap: up(K, a.rows) * M, filter: up(N, a.cols) * K };
  return { ifmap: up(M, a.cols) * K, filter: up(K, a.rows) * N };
}

/**
 * USER mode without the row walk: both read operands' DRAM figures when neither can leave its
 * active window (then only the write buffer stalls), else undefined (the trace model runs).
 */
export function userReadsInWindow(
  l: ConvShape,
  a: SystolicArray & { bandwidth: number },
): { ifmap: UserReads; filter: UserReads } | undefined {
  const { M, N, K } = gemmOf(l);
  const { outH: E, outW: F } = outputDims(l);
  const len = prefetchLengths(a, M, N, K);
  const ifmap = userReadsFit(a.ifmapSramKB, a.bandwidth, len.ifmap, validIfmapEntries(l, E, F));
  const filter = userReadsFit(a.filterSramKB, a.bandwidth, len.filter, K * N);
  return ifmap && filter ? { ifmap, filter } : undefined;
}

export function exactLayer(l: ConvShape, a: SystolicArray, options: ExactOptions = {}): ExactLayerResult {
  const over = workProblems(l, a);
  if (over.length > 0) throw new SimulationInputError(`layer ${l.name}: ${over.join('; ')}`);
  let user: ReturnType<typeof userReadsInWindow>;
  if (a.bandwidth !== undefined) {
    user = userReadsInWindow(l, { ...a, bandwidth: a.bandwidth });
    if (!user) return traceLayer(l, a, options);
  }
  const rep = computeReport(l, a);
  const { N, K } = rep.gemm;
  const { outH: E, outW: F } = outputDims(l);
  const f = foldsOf(rep, a);
  const util = foldUtilizations(rep, a, options);
  const of = runOfmap(new OfmapSchedule(rep, a, f), a.ofmapSramKB, a.bandwidth ?? a.cols);
  const cycleOf = (row: number) => of.stalls.cycleOf(row);
  const spans = readSpans(l, a, f, K, N, E, F);
  const sram = (s: { first: number; last: number }): AccessWindow => ({
    start: cycleOf(s.first) + 1,
    stop: cycleOf(s.last) + 1,
  });

  let ifmapDramReads: number;
  let filterDramReads: number;
  let ifmapDram: AccessWindow;
  let filterDram: AccessWindow;
  if (user) {
    ifmapDramReads = user.ifmap.reads;
    filterDramReads = user.filter.reads;
    ifmapDram = user.ifmap.window;
    filterDram = user.filter.window;
  } else {
    const ifEp = new Epochs(a.ifmapSramKB);
    ifEp.firstRow = spans.ifmap.first;
    const distinct = ifmapFootprint(l);
    if (distinct < ifEp.size) ifEp.add(distinct);
    else runIfmapReads({ layer: l, array: a, folds: f, E, F, K }, ifEp);
    const fiEp = new Epochs(a.filterSramKB);
    filterReads(a, f, K, N, fiEp);
    ifmapDramReads = ifEp.misses;
    filterDramReads = fiEp.misses;
    ifmapDram = ifEp.window(cycleOf);
    filterDram = fiEp.window(cycleOf);
  }

  return {
    name: l.name,
    totalCycles: of.totalCycles,
    stallCycles: of.stalls.total,
    computeCycles: rep.computeCycles,
    macs: rep.macs,
    overallUtilPct: overallUtilPct(rep.macs, of.totalCycles, a),
    mappingEfficiencyPct: util.mappingEfficiencyPct,
    computeUtilPct: util.computeUtilPct,
    sram: {
      ifmapReads: rep.sramIfmapReads,
      filterReads: rep.sramFilterReads,
      ofmapWrites: rep.sramOfmapWrites,
    },
    dram: { ifmapReads: ifmapDramReads, filterReads: filterDramReads, ofmapWrites: of.dramWrites },
    detail: {
      sram: { ifmap: sram(spans.ifmap), filter: sram(spans.filter), ofmap: of.sram },
      dram: { ifmap: ifmapDram, filter: filterDram, ofmap: of.dram },
    },
  };
}
