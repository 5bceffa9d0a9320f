// The trace model: SCALE-Sim v2 (commit 22f88b17) demand row by demand row, without building its
// matrices. The demand rows of each fold are enumerated arithmetically (one row = one cycle), and
// the memory models run on typed arrays. It costs one step per row and per address read, so the
// exact tier (exact.ts) uses it only for USER mode; in CALC mode it is the reference the exact
// tier's closed forms are tested against.
//  * CALC mode: the read buffers are tumbling windows of 50 sets × ⌊Z/100⌋ distinct addresses
//    (a hit is an address already seen in the current epoch); the write buffer drains `cols`
//    words per cycle.
//  * USER mode: the read buffers walk a circular window of address sets cut from the operand's
//    prefetch order; each miss fetches the next prefetch half at `bandwidth` words/cycle and the
//    row stalls until it arrives. The write buffer drains `bandwidth` words per cycle. Reads that
//    cannot miss are not looked up: a row whose prefetch line lies inside the window, and a fold
//    whose reads already all hit from the same window start (UserOperand).
// The write buffer is ofmap.ts's (it keeps only the lines a drain closed short); exact.test.ts
// checks it against a write-by-write model.
// The model is written out in README.md in this directory; this file holds no SCALE-Sim code.
import { eachFold, type Folds, foldsOf, foldUtilizations } from './folds.js';
import { type ConvShape, computeReport, ifmapFootprint, overallUtilPct } from './layer.js';
import { WriteBuffer } from './ofmap.js';
import type { AccessWindow, ExactLayerResult, ExactOptions, SystolicArray } from './result.js';

/** Fills `out` with the valid addresses of one demand row of one fold; returns how many. */
export type RowFiller = (
  fr: number,
  fc: number,
  ru: number,
  cu: number,
  t: number,
  out: Int32Array,
) => number;

export interface Operands {
  ifmap: RowFiller;
  filter: RowFiller;
  ofmap: RowFiller;
  /** How many valid OFMAP writes a row holds (closed form). */
  ofmapCount: (ru: number, cu: number, t: number) => number;
  /**
   * Which fold index a read operand's demand depends on (the other one only repeats it):
   * folds with equal keys read the same addresses in the same order; −1 means every fold differs.
   */
  ifmapKey: (fr: number, fc: number) => number;
  filterKey: (fr: number, fc: number) => number;
  /** Distinct valid addresses of each read operand (closed form). */
  ifmapDistinct: number;
  /** Prefetch order (USER mode): rows × cols of addresses (−1 = none), read along anti-diagonals when rolled. */
  ifmapPrefetch: () => PrefetchOrder;
  filterPrefetch: () => PrefetchOrder;
  /**
   * The line (anti-diagonal when rolled, else row) of the prefetch order that demand row t of a
   * fold reads from: every read of that row is one of the line's entries. −1: no line.
   */
  ifmapLine: (fr: number, fc: number, t: number) => number;
  filterLine: (fr: number, fc: number, t: number) => number;
  ifmapSpace: number;
  filterSpace: number;
  rowWidth: number;
}

/** The im2col address of (pixel m, window element k), or −1 where SCALE-Sim's rounding reads outside. */
function ifmapAddressing(l: ConvShape, E: number, F: number) {
  const M = E * F;
  const K = l.filterH * l.filterW * l.channels;
  const C = l.channels;
  const W = l.ifmapW;
  const mRow = new Int32Array(M);
  const mCol = new Int32Array(M);
  const mBase = new Int32Array(M);
  for (let m = 0; m < M; m++) {
    const oh = Math.floor(m / F);
    const ow = m - oh * F;
    mRow[m] = oh * l.strideH;
    mCol[m] = ow * l.strideW;
    mBase[m] = (oh * l.strideH * W + ow * l.strideW) * C;
  }
  const kR = new Int32Array(K);
  const kT = new Int32Array(K);
  const kOff = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    const r = Math.floor(k / (l.filterW * C));
    const rest = k - r * l.filterW * C;
    const t = Math.floor(rest / C);
    const c = rest - t * C;
    kR[k] = r;
    kT[k] = t;
    kOff[k] = (r * W + t) * C + c;
  }
  const holes = (E - 1) * l.strideH + l.filterH > l.ifmapH || (F - 1) * l.strideW + l.filterW > l.ifmapW;
  const H = l.ifmapH;
  const at = (m: number, k: number): number => {
    if (
      holes &&
      ((mRow[m] as number) + (kR[k] as number) >= H || (mCol[m] as number) + (kT[k] as number) >= W)
    )
      return -1;
    return (mBase[m] as number) + (kOff[k] as number);
  };
  return { at, holes, mBase, kOff };
}

/** A prefetch order and where each of its lines (rows, or anti-diagonals when rolled) starts. */
export interface PrefetchOrder {
  order: Int32Array;
  /** Line ℓ is order[lineStart[ℓ] .. lineStart[ℓ + 1]). */
  lineStart: Int32Array;
}

/** A rows × cols matrix in row-major order, or read along anti-diagonals (row descending within one). */
function prefetchOrder(
  rows: number,
  cols: number,
  rolled: boolean,
  at: (r: number, c: number) => number,
): PrefetchOrder {
  const out = new Int32Array(rows * cols);
  let i = 0;
  if (!rolled) {
    const lineStart = new Int32Array(rows + 1);
    for (let r = 0; r < rows; r++) {
      lineStart[r] = i;
      for (let c = 0; c < cols; c++) out[i++] = at(r, c);
    }
    lineStart[rows] = i;
    return { order: out, lineStart };
  }
  const lineStart = new Int32Array(rows + cols);
  for (let d = 0; d < rows + cols - 1; d++) {
    lineStart[d] = i;
    const hi = Math.min(d, rows - 1);
    const lo = Math.max(0, d - cols + 1);
    for (let r = hi; r >= lo; r--) out[i++] = at(r, d - r);
  }
  lineStart[rows + cols - 1] = i;
  return { order: out, lineStart };
}

export function operands(l: ConvShape, a: SystolicArray, E: number, F: number): Operands {
  const M = E * F;
  const N = l.numFilters;
  const K = l.filterH * l.filterW * l.channels;
  const Ra = a.rows;
  const Ca = a.cols;
  const ifa = ifmapAddressing(l, E, F);
  const IF = ifa.at;
  // Without rounding holes every entry is valid: the hot loops then skip the bounds checks.
  const { holes, mBase, kOff } = ifa;
  const rowFold = (S: number) => Math.ceil(S / Ra);
  const colFold = (S: number) => Math.ceil(S / Ca);
  const byRow = (fr: number) => fr;
  const byCol = (_fr: number, fc: number) => fc;
  const unique = () => -1;
  const common = {
    ifmapSpace: l.ifmapH * l.ifmapW * l.channels,
    filterSpace: K * N,
    ifmapDistinct: ifmapFootprint(l),
  };
  // WS and IS write outputs on the same skewed schedule: row t holds c with 0 ≤ t − (2Ra − 1) − c < T.
  const skewedCount = (T: number) => (_ru: number, cu: number, t: number) => {
    const base = t - (2 * Ra - 1);
    return Math.max(0, Math.min(cu - 1, base) - Math.max(0, base - T + 1) + 1);
  };
  if (a.dataflow === 'os') {
    const T = K;
    return {
      ...common,
      ifmapKey: byRow,
      filterKey: byCol,
      rowWidth: Math.max(Ra, Ca),
      ifmap(fr, _fc, ru, _cu, t, out) {
        let n = 0;
        const hi = Math.min(ru - 1, t);
        const lo = Math.max(0, t - T + 1);
        const m0 = fr * Ra;
        if (!holes) {
          for (let c = lo; c <= hi; c++) out[n++] = (mBase[m0 + c] as number) + (kOff[t - c] as number);
          return n;
        }
        for (let c = lo; c <= hi; c++) {
          const v = IF(m0 + c, t - c);
          if (v >= 0) out[n++] = v;
        }
        return n;
      },
      filter(_fr, fc, _ru, cu, t, out) {
        let n = 0;
        const hi = Math.min(cu - 1, t);
        for (let c = Math.max(0, t - T + 1); c <= hi; c++) out[n++] = (fc * Ca + c) * K + (t - c);
        return n;
      },
      ofmap(fr, fc, ru, cu, t, out) {
        let n = 0;
        const base = t - (T - 1);
        const hi = Math.min(cu - 1, base - (Ra - ru));
        for (let c = Math.max(0, base - (Ra - 1)); c <= hi; c++) {
          const u = base - c;
          out[n++] = (fr * Ra + (Ra - 1 - u)) * N + fc * Ca + c;
        }
        return n;
      },
      ofmapCount(ru, cu, t) {
        const base = t - (T - 1);
        return Math.max(0, Math.min(cu - 1, base - (Ra - ru)) - Math.max(0, base - (Ra - 1)) + 1);
      },
      ifmapPrefetch: () =>
        prefetchOrder(rowFold(M) * T, Ra, true, (r, c) => {
          const fr = Math.floor(r / T);
          const m = fr * Ra + c;
          return m < M ? IF(m, r - fr * T) : -1;
        }),
      // Row t of fold fr reads (pixel fr·Ra + c, element t − c): prefetch entry (fr·T + t − c, c).
      ifmapLine: (fr, _fc, t) => fr * T + t,
      filterLine: (_fr, fc, t) => fc * T + t,
      filterPrefetch: () =>
        prefetchOrder(colFold(N) * T, Ca, true, (r, c) => {
          const fc = Math.floor(r / T);
          const n = fc * Ca + c;
          return n < N ? n * K + (r - fc * T) : -1;
        }),
    };
  }
  if (a.dataflow === 'ws') {
    const T = M;
    return {
      ...common,
      ifmapKey: byRow,
      filterKey: unique,
      rowWidth: Math.max(Ra, Ca),
      ifmap(fr, _fc, ru, _cu, t, out) {
        let n = 0;
        const hi = Math.min(ru - 1, t - Ra);
        const lo = Math.max(0, t - Ra - T + 1);
        const k0 = fr * Ra;
        if (!holes) {
          for (let c = lo; c <= hi; c++) out[n++] = (mBase[t - Ra - c] as number) + (kOff[k0 + c] as number);
          return n;
        }
        for (let c = lo; c <= hi; c++) {
          const v = IF(t - Ra - c, k0 + c);
          if (v >= 0) out[n++] = v;
        }
        return n;
      },
      filter(fr, fc, ru, cu, t, out) {
        if (t >= Ra) return 0;
        const i = Ra - 1 - t;
        if (i >= ru) return 0;
        const k = fr * Ra + i;
        for (let c = 0; c < cu; c++) out[c] = (fc * Ca + c) * K + k;
        return cu;
      },
      ofmap(_fr, fc, _ru, cu, t, out) {
        let n = 0;
        const base = t - (2 * Ra - 1);
        const hi = Math.min(cu - 1, base);
        for (let c = Math.max(0, base - T + 1); c <= hi; c++) out[n++] = (base - c) * N + fc * Ca + c;
        return n;
      },
      ofmapCount: skewedCount(T),
      ifmapPrefetch: () =>
        prefetchOrder(rowFold(K) * M, Ra, true, (r, c) => {
          const fr = Math.floor(r / M);
          const k = fr * Ra + c;
          return k < K ? IF(r - fr * M, k) : -1;
        }),
      // Row t reads (pixel t − Ra − c, element fr·Ra + c): entry (fr·M + t − Ra − c, c).
      ifmapLine: (fr, _fc, t) => (t >= Ra ? fr * M + t - Ra : -1),
      // Row t < Ra reads weight row fr·Ra + Ra − 1 − t of every filter: prefetch row fc·K + that.
      filterLine: (fr, fc, t) => (t < Ra ? fc * K + fr * Ra + Ra - 1 - t : -1),
      filterPrefetch: () =>
        prefetchOrder(colFold(N) * K, Ca, false, (r, c) => {
          const fc = Math.floor(r / K);
          const n = fc * Ca + c;
          return n < N ? n * K + (r - fc * K) : -1;
        }),
    };
  }
  const T = N;
  return {
    ...common,
    ifmapKey: unique,
    filterKey: byRow,
    rowWidth: Math.max(Ra, Ca),
    ifmap(fr, fc, ru, cu, t, out) {
      if (t >= Ra) return 0;
      const i = Ra - 1 - t;
      if (i >= ru) return 0;
      const k = fr * Ra + i;
      let n = 0;
      const m0 = fc * Ca;
      if (!holes) {
        const off = kOff[k] as number;
        for (let j = 0; j < cu; j++) out[n++] = (mBase[m0 + j] as number) + off;
        return n;
      }
      for (let j = 0; j < cu; j++) {
        const v = IF(m0 + j, k);
        if (v >= 0) out[n++] = v;
      }
      return n;
    },
    filter(fr, _fc, ru, _cu, t, out) {
      let n = 0;
      const hi = Math.min(ru - 1, t - Ra);
      for (let c = Math.max(0, t - Ra - T + 1); c <= hi; c++) out[n++] = (t - Ra - c) * K + fr * Ra + c;
      return n;
    },
    ofmap(_fr, fc, _ru, cu, t, out) {
      let n = 0;
      const base = t - (2 * Ra - 1);
      const hi = Math.min(cu - 1, base);
      for (let c = Math.max(0, base - T + 1); c <= hi; c++) out[n++] = (fc * Ca + c) * N + (base - c);
      return n;
    },
    ofmapCount: skewedCount(T),
    ifmapPrefetch: () =>
      prefetchOrder(colFold(M) * K, Ca, false, (r, c) => {
        const fc = Math.floor(r / K);
        const m = fc * Ca + c;
        return m < M ? IF(m, r - fc * K) : -1;
      }),
    // Row t < Ra reads element fr·Ra + Ra − 1 − t of the column fold's pixels: prefetch row fc·K + that.
    ifmapLine: (fr, fc, t) => (t < Ra ? fc * K + fr * Ra + Ra - 1 - t : -1),
    // Row t reads (filter t − Ra − c, element fr·Ra + c): entry (fr·N + t − Ra − c, c).
    filterLine: (fr, _fc, t) => (t >= Ra ? fr * N + t - Ra : -1),
    filterPrefetch: () =>
      prefetchOrder(rowFold(K) * N, Ra, true, (r, c) => {
        const fr = Math.floor(r / N);
        const k = fr * Ra + c;
        return k < K ? (r - fr * N) * K + k : -1;
      }),
  };
}

/** A read buffer as the row loop sees it: serve one row's valid addresses, return the stall. */
interface ReadBuffer {
  serve(addrs: Int32Array, n: number, cycle: number): number;
  dramReads(): number;
  dramWindow(): AccessWindow;
}

/** CALC mode: a tumbling window of 50 sets of ⌊Z/100⌋ distinct addresses; reads never stall. */
class EstimateReadBuffer implements ReadBuffer {
  private readonly seen: Int32Array;
  private readonly perSet: number;
  private readonly perEpoch: number;
  private epoch = 0;
  private inEpoch = 0;
  private misses = 0;
  private firstRequest = -1;
  private epochs: number[] = [];

  constructor(kB: number, space: number) {
    this.perSet = Math.floor((kB * 1024) / 100);
    this.perEpoch = 50 * this.perSet;
    this.seen = new Int32Array(space).fill(-1);
  }

  serve(addrs: Int32Array, n: number, cycle: number): number {
    if (n > 0 && this.firstRequest < 0) this.firstRequest = cycle;
    const seen = this.seen;
    for (let i = 0; i < n; i++) {
      const a = addrs[i] as number;
      if (seen[a] === this.epoch) continue;
      seen[a] = this.epoch;
      this.misses++;
      if (++this.inEpoch === this.perEpoch) {
        this.epochs.push(cycle);
        this.epoch++;
        this.inEpoch = 0;
      }
    }
    return 0;
  }

  dramReads(): number {
    return this.misses;
  }

  /** Skips the stream when the operand never fills the window: every distinct address misses once. */
  fits(distinct: number): boolean {
    if (distinct >= this.perEpoch) return false;
    this.misses = distinct;
    return true;
  }

  /**
   * The prefetch stamps (DRAM latency 1, default bandwidth 10 words/cycle) as SCALE-Sim lays them
   * out. `serve` was given demand-row indices or cycles; `cycleOf` turns them into cycles.
   */
  dramWindow(cycleOf: (row: number) => number = (r) => r): AccessWindow {
    const last = this.epochs.at(-1);
    if (last === undefined) {
      const sets = Math.ceil(this.misses / this.perSet);
      return { start: -Math.ceil((sets * this.perSet) / 10), stop: -1 };
    }
    return { start: cycleOf(this.firstRequest) - Math.ceil(this.perEpoch / 10), stop: cycleOf(last) + 1 };
  }
}

/** USER mode: circular window of address sets over the operand's prefetch order; misses stall. */
class UserReadBuffer implements ReadBuffer {
  private readonly offsets: Int32Array;
  private readonly setIds: Int32Array;
  /** Per address, a set holding it that was in the window at its last hit (−1: none yet). */
  private readonly lastHit: Int32Array;
  private readonly numSets: number;
  private readonly activeSets: number;
  private readonly prefetchSets: number;
  private readonly linesPerPrefetch: number;
  private readonly initialLines: number;
  /** First set of the active window; it moves only on a miss. */
  start = 0;
  /** Prefetches so far: unchanged over a fold means the fold missed nothing. */
  prefetches = 0;
  private lastFetch = -1;

  /** Per prefetch line, the first and last set holding its valid entries (−1: none). */
  private readonly lineFirstSet: Int32Array;
  private readonly lineLastSet: Int32Array;

  constructor(
    kB: number,
    space: number,
    source: PrefetchOrder,
    private readonly bw: number,
  ) {
    const order = source.order;
    const Z = kB * 1024;
    const active = Math.ceil(Z * 0.5);
    const prefetch = Z - active;
    const perSet = Math.ceil(Z / 100);
    // Address → ascending list of the sets that hold it (CSR).
    const count = new Int32Array(space + 1);
    let valid = 0;
    let lastSetOf = new Int32Array(space).fill(-1);
    for (let i = 0; i < order.length; i++) {
      const a = order[i] as number;
      if (a < 0) continue;
      const s = Math.floor(valid / perSet);
      valid++;
      if (lastSetOf[a] !== s) {
        lastSetOf[a] = s;
        count[a + 1] = (count[a + 1] as number) + 1;
      }
    }
    for (let i = 0; i < space; i++) count[i + 1] = (count[i + 1] as number) + (count[i] as number);
    const fill = count.slice(0, space);
    const ids = new Int32Array(count[space] as number);
    lastSetOf = lastSetOf.fill(-1);
    valid = 0;
    for (let i = 0; i < order.length; i++) {
      const a = order[i] as number;
      if (a < 0) continue;
      const s = Math.floor(valid / perSet);
      valid++;
      if (lastSetOf[a] !== s) {
        lastSetOf[a] = s;
        ids[fill[a] as number] = s;
        fill[a] = (fill[a] as number) + 1;
      }
    }
    this.offsets = count;
    this.setIds = ids;
    this.lastHit = lastSetOf.fill(-1);
    const lineStart = source.lineStart;
    const lines = lineStart.length - 1;
    this.lineFirstSet = new Int32Array(lines).fill(-1);
    this.lineLastSet = new Int32Array(lines).fill(-1);
    valid = 0;
    for (let l = 0; l < lines; l++) {
      const end = lineStart[l + 1] as number;
      for (let i = lineStart[l] as number; i < end; i++) {
        if ((order[i] as number) < 0) continue;
        const set = Math.floor(valid / perSet);
        valid++;
        if (this.lineFirstSet[l] === -1) this.lineFirstSet[l] = set;
        this.lineLastSet[l] = set;
      }
    }
    this.numSets = Math.floor(valid / perSet) + 1;
    this.activeSets = Math.min(this.numSets, Math.ceil(active / perSet));
    this.prefetchSets = Math.min(this.numSets - this.activeSets, Math.ceil(prefetch / perSet));
    this.linesPerPrefetch = Math.ceil(prefetch / bw);
    this.initialLines = Math.min(Math.ceil(active / bw), Math.ceil(order.length / bw));
  }

  private hit(a: number): boolean {
    if (this.activeSets >= this.numSets) return true;
    const s = this.start;
    // The set that held `a` last time, while the window still covers it (it moves only forward).
    const c = this.lastHit[a] as number;
    if (c >= 0 && (c - s + this.numSets) % this.numSets < this.activeSets) return true;
    const lo0 = this.offsets[a] as number;
    const hi0 = this.offsets[a + 1] as number;
    if (lo0 === hi0) throw new Error(`address ${a} is never prefetched (SCALE-Sim would loop forever)`);
    const end = s + this.activeSets;
    let lo = lo0;
    let hi = hi0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.setIds[mid] as number) < s) lo = mid + 1;
      else hi = mid;
    }
    if (lo < hi0 && (this.setIds[lo] as number) < end) {
      this.lastHit[a] = this.setIds[lo] as number;
      return true;
    }
    if (end > this.numSets && (this.setIds[lo0] as number) < end - this.numSets) {
      this.lastHit[a] = this.setIds[lo0] as number;
      return true;
    }
    return false;
  }

  /**
   * Whether every set holding line ℓ's entries is in the active window: then any read from the
   * line hits (its own set is one of them), whatever its address.
   */
  lineHits(l: number): boolean {
    if (this.activeSets >= this.numSets) return true;
    if (l < 0 || l >= this.lineFirstSet.length) return false;
    const first = this.lineFirstSet[l] as number;
    if (first < 0) return false;
    const a = (first - this.start + this.numSets) % this.numSets;
    const b = ((this.lineLastSet[l] as number) - this.start + this.numSets) % this.numSets;
    return a <= b && b < this.activeSets;
  }

  serve(addrs: Int32Array, n: number, cycle: number): number {
    let fetched = false;
    for (let i = 0; i < n; i++) {
      const a = addrs[i] as number;
      let guard = 0;
      while (!this.hit(a)) {
        this.start = (this.start + this.prefetchSets) % this.numSets;
        this.lastFetch += this.linesPerPrefetch + 1;
        this.prefetches++;
        fetched = true;
        if (++guard > this.numSets + 1) throw new Error(`address ${a} never enters the read window`);
      }
    }
    return fetched ? Math.max(0, this.lastFetch - cycle - 1) : 0;
  }

  dramReads(): number {
    return this.bw * (this.initialLines + this.prefetches * this.linesPerPrefetch);
  }

  dramWindow(): AccessWindow {
    return { start: -this.initialLines, stop: this.lastFetch };
  }
}

/**
 * Stores one row's `n` valid writes at `cycle` in the OFMAP write buffer (README §8; the buffer
 * itself is ofmap.ts's, which keeps only the lines a drain closed short); returns the cycle the
 * row completes. Writes are taken in runs up to the next event (a stall on a full buffer, or the
 * start of a drain), which gives the same state as SCALE-Sim's one-write-at-a-time loop.
 */
function serveWrites(wb: WriteBuffer, n: number, cycle: number): number {
  let current = cycle;
  let rem = n;
  while (rem > 0) {
    const draining = current < wb.drainEnd;
    const k = wb.untilEvent(draining);
    if (rem < k) {
      wb.store(rem);
      break;
    }
    wb.store(k);
    rem -= k;
    if (draining) current = wb.drainEnd;
    else wb.drain(current);
  }
  return current;
}

class Span {
  start = Number.NaN;
  stop = Number.NaN;
  mark(cycle: number): void {
    if (Number.isNaN(this.start)) this.start = cycle;
    this.stop = cycle;
  }
  get(): AccessWindow {
    return { start: this.start, stop: this.stop };
  }
}

/** Stall-free cycles plus the stalls of earlier rows: maps demand rows to cycles. */
class StallMap {
  private rows: number[] = [];
  private cum: number[] = [];
  add(row: number, total: number): void {
    this.rows.push(row);
    this.cum.push(total);
  }
  /** Cycle of demand row `row`: row + stalls of all rows before it. */
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

/** CALC mode: reads never stall, so the OFMAP pass fixes every row's cycle and each read operand runs alone. */
function calcMode(ops: Operands, f: Folds, a: SystolicArray) {
  const of = new WriteBuffer(a.ofmapSramKB, a.cols);
  const stalls = new StallMap();
  const sOf = new Span();
  let total = 0;
  let lastOut = 0;
  eachFold(f, (_fr, _fc, ru, cu, row0) => {
    for (let t = 0; t < f.L; t++) {
      const cycle = row0 + t + total;
      const n = ops.ofmapCount(ru, cu, t);
      const out = n > 0 ? serveWrites(of, n, cycle) : cycle;
      if (n > 0) sOf.mark(out);
      lastOut = out;
      if (out > cycle) {
        total += out - cycle;
        stalls.add(row0 + t, total);
      }
    }
  });
  of.finish(lastOut);
  const buf = new Int32Array(ops.rowWidth);
  const readPass = (
    fill: RowFiller,
    key: (fr: number, fc: number) => number,
    kB: number,
    space: number,
    distinct: number,
  ) => {
    const rb = new EstimateReadBuffer(kB, space);
    let first = -1;
    let last = -1;
    if (rb.fits(distinct)) {
      // Only the first and last folds with a valid entry decide the SRAM start and stop cycles
      // (a fold can hold only holes when SCALE-Sim's rounding adds pixels).
      const folds: Array<[number, number, number, number, number]> = [];
      eachFold(f, (fr, fc, ru, cu, row0) => folds.push([fr, fc, ru, cu, row0]));
      for (const [fr, fc, ru, cu, row0] of folds) {
        for (let t = 0; t < f.L && first < 0; t++) if (fill(fr, fc, ru, cu, t, buf) > 0) first = row0 + t;
        if (first >= 0) break;
      }
      for (let i = folds.length - 1; i >= 0 && last < 0; i--) {
        const [fr, fc, ru, cu, row0] = folds[i] as [number, number, number, number, number];
        for (let t = f.L - 1; t >= 0 && last < 0; t--) if (fill(fr, fc, ru, cu, t, buf) > 0) last = row0 + t;
      }
    } else {
      // A fold that missed nothing had all its addresses in the current epoch; until the next
      // miss, a later fold reading the same addresses misses nothing either, so it is skipped.
      const clean = new Map<number, { misses: number; tLast: number }>();
      eachFold(f, (fr, fc, ru, cu, row0) => {
        const k = key(fr, fc);
        const before = rb.dramReads();
        const c = k >= 0 ? clean.get(k) : undefined;
        if (c && c.misses === before) {
          if (c.tLast >= 0) last = row0 + c.tLast;
          return;
        }
        let tLast = -1;
        for (let t = 0; t < f.L; t++) {
          const n = fill(fr, fc, ru, cu, t, buf);
          if (n === 0) continue;
          rb.serve(buf, n, row0 + t);
          if (first < 0) first = row0 + t;
          last = row0 + t;
          tLast = t;
        }
        if (k >= 0 && rb.dramReads() === before) clean.set(k, { misses: before, tLast });
      });
    }
    const cyc = (r: number) => stalls.cycleOf(r);
    return {
      reads: rb.dramReads(),
      sram: { start: cyc(first) + 1, stop: cyc(last) + 1 },
      dram: rb.dramWindow(cyc),
    };
  };
  const ifmap = readPass(ops.ifmap, ops.ifmapKey, a.ifmapSramKB, ops.ifmapSpace, ops.ifmapDistinct);
  const filter = readPass(ops.filter, ops.filterKey, a.filterSramKB, ops.filterSpace, ops.filterSpace);
  return {
    total: lastOut,
    stalls: total,
    dram: { ifmapReads: ifmap.reads, filterReads: filter.reads, ofmapWrites: of.dramWrites() },
    detail: {
      sram: { ifmap: ifmap.sram, filter: filter.sram, ofmap: sOf.get() },
      dram: { ifmap: ifmap.dram, filter: filter.dram, ofmap: of.dramWindow() },
    },
  };
}

/**
 * One read operand in USER mode, fold by fold. A fold whose reads all hit leaves the window where
 * it was; a later fold reading the same addresses (same key) from the same window start hits
 * everywhere too, so its reads are not walked: only its last row with a valid read is marked.
 */
class UserOperand {
  /** Key → the window start at which a fold of that key missed nothing, and its last valid row. */
  private readonly clean = new Map<number, { start: number; tLast: number }>();
  private skip: { start: number; tLast: number } | undefined;
  private key = -1;
  private prefetchesBefore = 0;
  private tLast = -1;
  private walkAll = false;
  readonly span = new Span();

  constructor(
    readonly buf: UserReadBuffer,
    private readonly fill: RowFiller,
    private readonly keyOf: (fr: number, fc: number) => number,
    private readonly lineOf: (fr: number, fc: number, t: number) => number,
  ) {}

  beginFold(fr: number, fc: number, walkAll: boolean): void {
    this.walkAll = walkAll;
    this.key = walkAll ? -1 : this.keyOf(fr, fc);
    const c = this.key >= 0 ? this.clean.get(this.key) : undefined;
    this.skip = c && c.start === this.buf.start ? c : undefined;
    this.prefetchesBefore = this.buf.prefetches;
    this.tLast = -1;
  }

  /** The stall of row t at `cycle`. */
  row(fr: number, fc: number, ru: number, cu: number, t: number, cycle: number, scratch: Int32Array): number {
    if (this.skip) {
      if (t === this.skip.tLast) this.span.mark(cycle + 1);
      return 0;
    }
    const n = this.fill(fr, fc, ru, cu, t, scratch);
    // A row whose prefetch line lies inside the window hits everywhere: nothing to look up.
    const stall =
      n > 0 && !this.walkAll && this.buf.lineHits(this.lineOf(fr, fc, t))
        ? 0
        : this.buf.serve(scratch, n, cycle);
    if (n > 0) {
      this.span.mark(cycle + 1 + stall);
      this.tLast = t;
    }
    return stall;
  }

  endFold(): void {
    if (!this.skip && this.key >= 0 && this.buf.prefetches === this.prefetchesBefore)
      this.clean.set(this.key, { start: this.buf.start, tLast: this.tLast });
  }
}

/** USER mode: reads stall, so the three operands advance together row by row. */
function userMode(ops: Operands, f: Folds, a: SystolicArray, bw: number, walkAll: boolean) {
  const ifOp = new UserOperand(
    new UserReadBuffer(a.ifmapSramKB, ops.ifmapSpace, ops.ifmapPrefetch(), bw),
    ops.ifmap,
    ops.ifmapKey,
    ops.ifmapLine,
  );
  const fiOp = new UserOperand(
    new UserReadBuffer(a.filterSramKB, ops.filterSpace, ops.filterPrefetch(), bw),
    ops.filter,
    ops.filterKey,
    ops.filterLine,
  );
  const ifBuf = ifOp.buf;
  const fiBuf = fiOp.buf;
  const ofBuf = new WriteBuffer(a.ofmapSramKB, bw);
  const buf = new Int32Array(ops.rowWidth);
  const sIf = ifOp.span;
  const sFi = fiOp.span;
  const sOf = new Span();
  let stalls = 0;
  let lastOut = 0;
  eachFold(f, (fr, fc, ru, cu, row0) => {
    ifOp.beginFold(fr, fc, walkAll);
    fiOp.beginFold(fr, fc, walkAll);
    for (let t = 0; t < f.L; t++) {
      const cycle = row0 + t + stalls;
      const ifStall = ifOp.row(fr, fc, ru, cu, t, cycle, buf);
      const fiStall = fiOp.row(fr, fc, ru, cu, t, cycle, buf);
      const n = ops.ofmapCount(ru, cu, t);
      const out = serveWrites(ofBuf, n, cycle);
      if (n > 0) sOf.mark(out);
      lastOut = out;
      stalls += Math.max(ifStall, fiStall, out - cycle);
    }
    ifOp.endFold();
    fiOp.endFold();
  });
  ofBuf.finish(lastOut);
  return {
    total: lastOut,
    stalls,
    dram: { ifmapReads: ifBuf.dramReads(), filterReads: fiBuf.dramReads(), ofmapWrites: ofBuf.dramWrites() },
    detail: {
      sram: { ifmap: sIf.get(), filter: sFi.get(), ofmap: sOf.get() },
      dram: { ifmap: ifBuf.dramWindow(), filter: fiBuf.dramWindow(), ofmap: ofBuf.dramWindow() },
    },
  };
}

/**
 * One layer, demand row by demand row (CALC or USER mode). `walkAll` looks up every USER-mode
 * read, even those the two shortcuts skip (the reference they are tested against).
 */
export function traceLayer(
  l: ConvShape,
  a: SystolicArray,
  options: ExactOptions = {},
  walkAll = false,
): ExactLayerResult {
  const rep = computeReport(l, a);
  const { M } = rep.gemm;
  const E = Math.ceil((l.ifmapH - l.filterH + l.strideH) / l.strideH);
  const ops = operands(l, a, E, M / E);
  const f = foldsOf(rep, a);
  const util = foldUtilizations(rep, a, options);
  const r = a.bandwidth === undefined ? calcMode(ops, f, a) : userMode(ops, f, a, a.bandwidth, walkAll);
  return {
    name: l.name,
    totalCycles: r.total,
    stallCycles: r.stalls,
    computeCycles: rep.computeCycles,
    macs: rep.macs,
    overallUtilPct: overallUtilPct(rep.macs, r.total, a),
    mappingEfficiencyPct: util.mappingEfficiencyPct,
    computeUtilPct: util.computeUtilPct,
    sram: {
      ifmapReads: rep.sramIfmapReads,
      filterReads: rep.sramFilterReads,
      ofmapWrites: rep.sramOfmapWrites,
    },
    dram: r.dram,
    detail: r.detail,
  };
}
