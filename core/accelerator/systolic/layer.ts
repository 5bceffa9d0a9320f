// A layer as SCALE-Sim sees it (one topology-CSV row) and its GEMM view on a systolic array.
// The closed forms here are SCALE-Sim v2's schedule (see README.md in this directory, §1–5);
// both tiers share them, so compute cycles and SRAM counts are exact in both.
import type { Dataflow } from '../../spec/schema.js';

export interface ConvShape {
  name: string;
  ifmapH: number;
  ifmapW: number;
  filterH: number;
  filterW: number;
  channels: number;
  numFilters: number;
  strideH: number;
  strideW: number;
}

export interface ArrayShape {
  rows: number;
  cols: number;
  dataflow: Dataflow;
}

/** Output size as SCALE-Sim computes it: ceil((H − R + s)/s), one more than floor when (H−R) % s ≠ 0. */
export function outputDims(l: ConvShape): { outH: number; outW: number } {
  return {
    outH: Math.ceil((l.ifmapH - l.filterH + l.strideH) / l.strideH),
    outW: Math.ceil((l.ifmapW - l.filterW + l.strideW) / l.strideW),
  };
}

/**
 * Input rows (or columns) of size `size` that n consecutive outputs from the first one read with a
 * window of k and stride s (README §1): one block when windows overlap or abut (k ≥ s); otherwise
 * the whole windows that fit, plus the clipped part of the next one. SCALE-Sim's extra rounding
 * output may start past the input and read nothing (a 56-wide 1×1 stride-2 map: 28 of 29).
 */
export function inputSpan(n: number, k: number, s: number, size: number): number {
  if (n <= 0) return 0;
  if (k >= s) return Math.min(size, (n - 1) * s + k);
  const whole = Math.min(n, Math.floor((size - k) / s) + 1);
  return whole * k + (whole < n ? Math.max(0, Math.min(k, size - whole * s)) : 0);
}

/** #{(x, y) : 0 ≤ x < A, 0 ≤ y < B, x + y < s}: entries of an A × B block on anti-diagonals before s. */
export function pairsBelow(A: number, B: number, s: number): number {
  return tri(s) - tri(s - A) - tri(s - B) + tri(s - A - B);
}

// Module level, not inside pairsBelow: a hot inner closure is re-created on every call (and
// tsx/esbuild's keep-names wraps each creation in a defineProperty, which dominated the profile).
function tri(n: number): number {
  return n > 0 ? (n * (n + 1)) / 2 : 0;
}

/** Distinct valid ifmap addresses of a layer: the rows × columns its output map reads, × channels. */
export function ifmapFootprint(l: ConvShape): number {
  const { outH, outW } = outputDims(l);
  return (
    inputSpan(outH, l.filterH, l.strideH, l.ifmapH) *
    inputSpan(outW, l.filterW, l.strideW, l.ifmapW) *
    l.channels
  );
}

/** A GEMM M×K · K×N: M ofmap pixels, K window elements, N filters. */
export interface Gemm {
  M: number;
  N: number;
  K: number;
}

export function gemmOf(l: ConvShape): Gemm {
  const { outH, outW } = outputDims(l);
  return { M: outH * outW, N: l.numFilters, K: l.filterH * l.filterW * l.channels };
}

/** SCALE-Sim's GEMM-mode row (name, M, N, K) as a conv: ifmap M×K, filter 1×K, 1 channel, N filters. */
export function gemmAsConv(name: string, M: number, N: number, K: number): ConvShape {
  return {
    name,
    ifmapH: M,
    ifmapW: K,
    filterH: 1,
    filterW: K,
    channels: 1,
    numFilters: N,
    strideH: 1,
    strideW: 1,
  };
}

/** How a GEMM lands on the array: which dimension goes to rows (Sr), cols (Sc) and time (T). */
export interface Mapping {
  Sr: number;
  Sc: number;
  T: number;
  rowFold: number;
  colFold: number;
  folds: number;
  /** Demand rows (cycles) per fold. */
  foldLength: number;
}

export function mapGemm(g: Gemm, a: ArrayShape): Mapping {
  const Ra = a.rows;
  const Ca = a.cols;
  let Sr: number;
  let Sc: number;
  let T: number;
  if (a.dataflow === 'os') [Sr, Sc, T] = [g.M, g.N, g.K];
  else if (a.dataflow === 'ws') [Sr, Sc, T] = [g.K, g.N, g.M];
  else [Sr, Sc, T] = [g.K, g.M, g.N];
  const rowFold = Math.ceil(Sr / Ra);
  const colFold = Math.ceil(Sc / Ca);
  const foldLength = a.dataflow === 'os' ? T + Ra + Ca - 2 : T + 2 * Ra + Ca - 2;
  return { Sr, Sc, T, rowFold, colFold, folds: rowFold * colFold, foldLength };
}

/** Everything SCALE-Sim reports that does not depend on memory: exact closed forms. */
export interface ComputeReport {
  gemm: Gemm;
  mapping: Mapping;
  /** Stall-free cycles: folds × fold length − 1. */
  computeCycles: number;
  macs: number;
  mappingEfficiencyPct: number;
  computeUtilPct: number;
  sramIfmapReads: number;
  sramFilterReads: number;
  sramOfmapWrites: number;
  /** OFMAP writes that carry a real address (the write-buffer input). */
  validOfmapWrites: number;
}

export function computeReport(l: ConvShape, a: ArrayShape): ComputeReport {
  const gemm = gemmOf(l);
  const { M, N, K } = gemm;
  const m = mapGemm(gemm, a);
  const Ra = a.rows;
  const Ca = a.cols;
  const mapEff = (m.Sr / (m.rowFold * Ra)) * (m.Sc / (m.colFold * Ca));
  // SCALE-Sim's per-fold cycle count in its compute-util formula (WS/IS use T+2Ra+2Ca−3, not L).
  const cycF = a.dataflow === 'os' ? m.T + Ra + Ca - 2 : m.T + 2 * Ra + 2 * Ca - 3;
  let ifR: number;
  let fiR: number;
  let ofW: number;
  let validOf: number;
  if (a.dataflow === 'os') {
    ifR = m.colFold * M * K;
    fiR = m.rowFold * K * N;
    validOf = M * N;
    ofW = validOf + m.folds * (Ra + Ca);
  } else if (a.dataflow === 'ws') {
    ifR = m.colFold * M * K;
    fiR = K * N;
    validOf = m.rowFold * M * N;
    ofW = validOf;
  } else {
    ifR = M * K;
    fiR = m.colFold * K * N;
    validOf = m.rowFold * M * N;
    ofW = validOf;
  }
  return {
    gemm,
    mapping: m,
    computeCycles: m.folds * m.foldLength - 1,
    macs: M * N * K,
    mappingEfficiencyPct: 100 * mapEff,
    computeUtilPct: (100 * mapEff * m.T) / cycF,
    sramIfmapReads: ifR,
    sramFilterReads: fiR,
    sramOfmapWrites: ofW,
    validOfmapWrites: validOf,
  };
}

/** Overall utilization as SCALE-Sim reports it: MACs over (total cycles × PEs). */
export function overallUtilPct(macs: number, totalCycles: number, a: ArrayShape): number {
  return (100 * macs) / (totalCycles * a.rows * a.cols);
}
