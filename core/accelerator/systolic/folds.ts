// The fold schedule (README §2): folds in SCALE-Sim's order, and the two per-fold averages.
import type { ComputeReport } from './layer.js';
import type { ExactOptions, SystolicArray } from './result.js';

export interface Folds {
  rowFold: number;
  colFold: number;
  Sr: number;
  Sc: number;
  /** Demand rows per fold. */
  L: number;
  Ra: number;
  Ca: number;
}

export function foldsOf(rep: ComputeReport, a: SystolicArray): Folds {
  const m = rep.mapping;
  return {
    rowFold: m.rowFold,
    colFold: m.colFold,
    Sr: m.Sr,
    Sc: m.Sc,
    L: m.foldLength,
    Ra: a.rows,
    Ca: a.cols,
  };
}

/** Rows used by row fold fr and columns used by column fold fc. */
export const usedRows = (f: Folds, fr: number): number => Math.min(f.Ra, f.Sr - fr * f.Ra);
export const usedCols = (f: Folds, fc: number): number => Math.min(f.Ca, f.Sc - fc * f.Ca);

/** Calls `visit(fr, fc, ru, cu, firstRow)` for every fold in SCALE-Sim's order (column folds outer). */
export function eachFold(
  f: Folds,
  visit: (fr: number, fc: number, ru: number, cu: number, row0: number) => void,
): void {
  let row = 0;
  for (let fc = 0; fc < f.colFold; fc++) {
    const cu = usedCols(f, fc);
    for (let fr = 0; fr < f.rowFold; fr++) {
      visit(fr, fc, usedRows(f, fr), cu, row);
      row += f.L;
    }
  }
}

/** A running float sum the way CPython adds floats. */
class PySum {
  private s = 0;
  private c = 0;
  constructor(private readonly compensated: boolean) {}
  add(x: number): void {
    if (!this.compensated) {
      this.s += x;
      return;
    }
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  value(): number {
    return this.compensated ? this.s + this.c : this.s;
  }
}

/**
 * Mapping efficiency and compute utilization as SCALE-Sim averages them over folds: the same
 * float operations in the same order, so the result is bit-identical (README §5).
 */
export function foldUtilizations(
  rep: ComputeReport,
  a: SystolicArray,
  options: ExactOptions = {},
): { mappingEfficiencyPct: number; computeUtilPct: number } {
  const m = rep.mapping;
  const Ra = a.rows;
  const Ca = a.cols;
  const cycF = a.dataflow === 'os' ? m.T + Ra + Ca - 2 : m.T + 2 * Ra + 2 * Ca - 3;
  const compensated = (options.pythonSum ?? 'compensated') === 'compensated';
  const mapSum = new PySum(compensated);
  const utilSum = new PySum(compensated);
  eachFold(foldsOf(rep, a), (_fr, _fc, ru, cu) => {
    mapSum.add((ru * cu) / (Ra * Ca));
    utilSum.add((ru * cu * m.T) / (Ra * Ca * cycF));
  });
  return {
    mappingEfficiencyPct: (mapSum.value() / m.folds) * 100,
    computeUtilPct: (utilSum.value() / m.folds) * 100,
  };
}

/** Fold number `index` in SCALE-Sim's order: its row and column fold, used rows and columns, first row. */
export function foldAt(
  f: Folds,
  index: number,
): { fr: number; fc: number; ru: number; cu: number; row0: number } {
  const fr = index % f.rowFold;
  const fc = (index - fr) / f.rowFold;
  return { fr, fc, ru: usedRows(f, fr), cu: usedCols(f, fc), row0: index * f.L };
}
