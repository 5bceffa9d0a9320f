// Exact tier: every field SCALE-Sim v2 reports (README §4–9), the same numbers as the trace model
// (trace.ts) without stepping through SCALE-Sim's demand rows one by one. In CALC mode:
//  * ofmap: the writes per demand row are a closed form, and the write buffer runs from drain to
//    drain (ofmap.ts);
//  * filter DRAM reads: a closed form of the tumbling window over repeated blocks (filter-dram.ts);
//  * ifmap DRAM reads: address runs and bitsets, fold by fold, searching rows only where an epoch
//    ends (ifmap-dram.ts);
//  * utilizations and SRAM counts: closed forms and the per-fold float sums (layer.ts, folds.ts).
// USER mode still runs the trace model: its reads stall, so the three operands advance together
// row by row.
import { SimulationInputError, workProblems } from '../schema.js';
import { Epochs } from './epoch.js';
import { filterReads } from './filter-dram.js';
import { type Folds, foldAt, foldsOf, foldUtilizations } from './folds.js';
import { ifmapReads } from './ifmap-dram.js';
import { type ConvShape, computeReport, ifmapFootprint, outputDims, overallUtilPct } from './layer.js';
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

export function exactLayer(l: ConvShape, a: SystolicArray, options: ExactOptions = {}): ExactLayerResult {
  const over = workProblems(l, a);
  if (over.length > 0) throw new SimulationInputError(`layer ${l.name}: ${over.join('; ')}`);
  if (a.bandwidth !== undefined) return traceLayer(l, a, options);
  const rep = computeReport(l, a);
  const f = foldsOf(rep, a);
  const util = foldUtilizations(rep, a, options);
  const of = runOfmap(new OfmapSchedule(rep, a, f), a.ofmapSramKB, a.cols);
  const cycleOf = (row: number) => of.stalls.cycleOf(row);
  const { outH: E, outW: F } = outputDims(l);
  const spans = readSpans(l, a, f, rep.gemm.K, rep.gemm.N, E, F);
  const sram = (s: { first: number; last: number }): AccessWindow => ({
    start: cycleOf(s.first) + 1,
    stop: cycleOf(s.last) + 1,
  });

  const ifEp = new Epochs(a.ifmapSramKB);
  ifEp.firstRow = spans.ifmap.first;
  const distinct = ifmapFootprint(l);
  if (distinct < ifEp.size) ifEp.add(distinct);
  else ifmapReads({ layer: l, array: a, folds: f, E, F, K: rep.gemm.K }, ifEp);

  const fiEp = new Epochs(a.filterSramKB);
  filterReads(a, f, rep.gemm.K, rep.gemm.N, fiEp);

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
    dram: { ifmapReads: ifEp.misses, filterReads: fiEp.misses, ofmapWrites: of.dramWrites },
    detail: {
      sram: { ifmap: sram(spans.ifmap), filter: sram(spans.filter), ofmap: of.sram },
      dram: { ifmap: ifEp.window(cycleOf), filter: fiEp.window(cycleOf), ofmap: of.dram },
    },
  };
}
