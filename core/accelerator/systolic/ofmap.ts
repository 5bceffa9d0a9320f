// The ofmap side of the exact tier (README §3, §8): how many writes each demand row holds, in
// closed form, and SCALE-Sim's write buffer run from event to event (drain starts, stalls)
// instead of write by write. Between two events the buffer only counts words, so the cost is
// O(drains · log rows) instead of O(rows).
import { type Folds, usedCols, usedRows } from './folds.js';
import { type ComputeReport, pairsBelow } from './layer.js';
import type { AccessWindow, SystolicArray } from './result.js';

/** Where the valid ofmap writes fall in the demand rows: prefix counts and their inverse. */
export class OfmapSchedule {
  /** Valid writes in the layer. */
  readonly total: number;
  /** Demand rows in the layer. */
  readonly rows: number;
  private readonly os: boolean;
  private readonly T: number;

  constructor(
    rep: ComputeReport,
    a: SystolicArray,
    private readonly f: Folds,
  ) {
    this.os = a.dataflow === 'os';
    this.T = rep.mapping.T;
    this.total = rep.validOfmapWrites;
    this.rows = rep.mapping.folds * f.L;
  }

  /** Writes in local rows [0, t) of a fold using ru rows and cu columns. */
  private inFold(ru: number, cu: number, t: number): number {
    const { Ra } = this.f;
    // os: array row i, column j writes at (T−1) + (Ra−1−i) + j; ws/is: pixel or filter m, column j at 2Ra−1 + j + m.
    return this.os
      ? pairsBelow(ru, cu, t - (this.T - 1) - (Ra - ru))
      : pairsBelow(cu, this.T, t - (2 * Ra - 1));
  }

  /** Writes in demand rows [0, g). */
  before(g: number): number {
    if (g >= this.rows) return this.total;
    if (g <= 0) return 0;
    const { L, rowFold, Ra, Ca, Sr, Sc } = this.f;
    const fold = Math.floor(g / L);
    const fr = fold % rowFold;
    const fc = (fold - fr) / rowFold;
    const cu = usedCols(this.f, fc);
    const ru = usedRows(this.f, fr);
    // Full column folds before fc, then full row folds of fc before fr.
    const colsBefore = Math.min(fc * Ca, Sc);
    const rowsBefore = Math.min(fr * Ra, Sr);
    const done = this.os ? Sr * colsBefore + cu * rowsBefore : this.T * (rowFold * colsBefore + fr * cu);
    return done + this.inFold(ru, cu, g - fold * L);
  }

  /** The demand row holding the x-th write (1-based): fold by division, then the row in the fold. */
  rowOf(x: number): number {
    const { L, rowFold, colFold, Ra, Ca, Sr } = this.f;
    // Writes of a full column fold, and of one row fold of column fold fc (full rows).
    const perCol = this.os ? Sr * Ca : rowFold * Ca * this.T;
    const fc = Math.min(colFold - 1, Math.floor((x - 1) / perCol));
    const cu = usedCols(this.f, fc);
    const inCol = x - fc * perCol;
    const perFold = this.os ? Ra * cu : cu * this.T;
    const fr = Math.min(rowFold - 1, Math.floor((inCol - 1) / perFold));
    const ru = usedRows(this.f, fr);
    const inFold = inCol - fr * perFold;
    let lo = 0;
    let hi = L - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.inFold(ru, cu, mid + 1) >= inFold) hi = mid;
      else lo = mid + 1;
    }
    return (fc * rowFold + fr) * L + lo;
  }
}

/**
 * SCALE-Sim's ofmap write buffer (README §8) at the level of words: lines of `bw` words are full
 * unless a drain closed them early, so only those short lines are remembered.
 */
export class WriteBuffer {
  readonly total: number;
  readonly active: number;
  private readonly linesPerDrain: number;
  free: number;
  private lineFill = 0;
  private numLines = 0;
  /** Indices and word counts of lines closed short by a drain, ascending. */
  private shortAt: number[] = [];
  private shortCount: number[] = [];
  private drainFrom = 0;
  drainEnd = 0;
  private writes = 0;
  private firstDrain = Number.NaN;
  private lastDrain = Number.NaN;

  constructor(
    kB: number,
    private readonly bw: number,
  ) {
    this.total = kB * 1024;
    this.active = Math.ceil(this.total * 0.5);
    this.linesPerDrain = Math.ceil((this.total - this.active) / bw);
    this.free = this.total;
  }

  /** Stores k writes, no event in between. */
  store(k: number): void {
    this.free -= k;
    const filled = this.lineFill + k;
    const full = Math.floor(filled / this.bw);
    this.numLines += full;
    this.lineFill = filled - full * this.bw;
  }

  private closeLine(): void {
    if (this.lineFill > 0) {
      this.shortAt.push(this.numLines);
      this.shortCount.push(this.lineFill);
      this.numLines++;
      this.lineFill = 0;
    }
  }

  private lineWords(i: number): number {
    const at = this.shortAt;
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((at[mid] as number) < i) lo = mid + 1;
      else hi = mid;
    }
    return lo < at.length && at[lo] === i ? (this.shortCount[lo] as number) : this.bw;
  }

  /** Closes the current line and sends up to one drain's worth of lines from `start`; returns its last cycle. */
  drain(start: number): number {
    this.closeLine();
    const n = Math.min(this.linesPerDrain, this.numLines - this.drainFrom);
    const data = (n - 1) * this.bw + this.lineWords(this.drainFrom + n - 1);
    this.writes += data;
    this.free += data;
    this.drainFrom += n;
    if (Number.isNaN(this.firstDrain)) this.firstDrain = start;
    this.lastDrain = start + n - 1;
    this.drainEnd = this.lastDrain;
    return this.lastDrain;
  }

  /** Drains everything left, chunk after chunk, from `cycle`. */
  finish(cycle: number): void {
    this.closeLine();
    let c = cycle;
    while (this.drainFrom < this.numLines) c = this.drain(c) + 1;
  }

  /** Writes to take, from the current state, until the next event: a stall (draining) or a drain start. */
  untilEvent(draining: boolean): number {
    return draining ? Math.max(1, this.free) : Math.max(1, this.free - this.active + 1);
  }

  dramWrites(): number {
    return this.writes;
  }

  dramWindow(): AccessWindow {
    return { start: this.firstDrain, stop: this.lastDrain };
  }
}

/** Rows at which stalls happened and the stalls accumulated through them: demand row → cycle. */
export class StallMap {
  private rows: number[] = [];
  private cum: number[] = [];
  total = 0;
  add(row: number, stall: number): void {
    this.total += stall;
    if (this.rows.at(-1) === row) this.cum[this.cum.length - 1] = this.total;
    else {
      this.rows.push(row);
      this.cum.push(this.total);
    }
  }
  /** Cycle at which demand row `row` is issued: row + stalls of the rows before it. */
  cycleOf(row: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.rows[mid] as number) < row) lo = mid + 1;
      else hi = mid;
    }
    return row + (lo === 0 ? 0 : (this.cum[lo - 1] as number));
  }
}

export interface OfmapRun {
  /** Cycle the last demand row completes: SCALE-Sim's total cycles. */
  totalCycles: number;
  stalls: StallMap;
  dramWrites: number;
  dram: AccessWindow;
  sram: AccessWindow;
}

/**
 * The write buffer over the whole layer when only it can stall (CALC mode): from event to event.
 * Each write is stored, then: during a drain a full buffer stalls the row until the drain ends;
 * otherwise more than half a buffer held starts a drain at the current cycle.
 */
export function runOfmap(s: OfmapSchedule, kB: number, bw: number): OfmapRun {
  const wb = new WriteBuffer(kB, bw);
  const stalls = new StallMap();
  let pos = 0;
  let g = 0;
  while (pos < s.total) {
    g = Math.max(g, s.rowOf(pos + 1));
    const cycle = g + stalls.total;
    if (cycle < wb.drainEnd) {
      // Rows [g, gEnd) run during the drain.
      const gEnd = wb.drainEnd - stalls.total;
      const avail = s.before(gEnd) - pos;
      const k = wb.untilEvent(true);
      if (avail < k) {
        wb.store(avail);
        pos += avail;
        g = gEnd;
        continue;
      }
      wb.store(k);
      pos += k;
      g = s.rowOf(pos);
      stalls.add(g, wb.drainEnd - (g + stalls.total));
    } else {
      const k = wb.untilEvent(false);
      if (pos + k > s.total) {
        wb.store(s.total - pos);
        pos = s.total;
        break;
      }
      wb.store(k);
      pos += k;
      g = s.rowOf(pos);
      wb.drain(g + stalls.total);
    }
  }
  const totalCycles = s.rows - 1 + stalls.total;
  wb.finish(totalCycles);
  const sram =
    s.total > 0
      ? { start: stalls.cycleOf(s.rowOf(1)), stop: s.rowOf(s.total) + stalls.total }
      : { start: Number.NaN, stop: Number.NaN };
  return { totalCycles, stalls, dramWrites: wb.dramWrites(), dram: wb.dramWindow(), sram };
}
