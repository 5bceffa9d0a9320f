// CALC-mode DRAM ifmap reads (README §6, and "How the exact tier computes it") without visiting
// every read. The tumbling window only needs, per fold, how many of its addresses are new to the
// current epoch and, in the folds where an epoch ends, the exact read that ends it. So:
//  * reads are handled as address *runs*: for one pixel and one filter row the window elements
//    are contiguous addresses (README §1), and pixels reading the same element range cover, per
//    ifmap row, one run per output row (or one per pixel when the stride leaves gaps);
//  * the epoch's addresses are a bitset, and the new addresses of a run are counted 32 at a time;
//  * consecutive folds that add less than the room left are counted together from their joint
//    footprint;
//  * a fold whose reads are pairwise distinct (its elements span at most C, or its windows do not
//    overlap) and whose channels the epoch has not read yet is all misses: it is counted in closed
//    form, and its bits are written only if a later fold needs them;
//  * where the epoch ends inside a fold, the fold's rows are split until a few rows hold the end,
//    and those are read one address at a time in SCALE-Sim's order;
//  * os and ws folds whose key (row fold) had its whole footprint read in the current epoch read
//    nothing new and are skipped.
import type { Epochs } from './epoch.js';
import { type Folds, usedRows } from './folds.js';
import { type ConvShape, pairsBelow } from './layer.js';
import type { SystolicArray } from './result.js';

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * A bitset over the ifmap address space that remembers the range of words it set (cheap to clear:
 * one fill over a range that, for these streams, is nearly all set words anyway).
 */
class Bits {
  w: Uint32Array;
  /** Words [lo, hi) may be non-zero; all others are zero. */
  lo = 0;
  hi = 0;
  constructor(space: number) {
    this.w = new Uint32Array(Math.ceil(space / 32) + 1);
  }
  /** Ready for an address space of `space` (all clear: every user clears what it set). */
  resize(space: number): this {
    this.clear();
    const words = Math.ceil(space / 32) + 1;
    if (this.w.length < words) this.w = new Uint32Array(words);
    return this;
  }
  private cover(i: number, j: number): void {
    if (this.hi === this.lo) {
      this.lo = i;
      this.hi = j;
      return;
    }
    if (i < this.lo) this.lo = i;
    if (j > this.hi) this.hi = j;
  }
  /** Sets bits [lo, hi), lo < hi. */
  orRange(lo: number, hi: number): void {
    const w = this.w;
    const i = lo >>> 5;
    const last = (hi - 1) >>> 5;
    this.cover(i, last + 1);
    if (i === last) {
      w[i] = (w[i] as number) | ((0xffffffff >>> (32 - (hi - lo))) << (lo & 31));
      return;
    }
    w[i] = (w[i] as number) | (0xffffffff << (lo & 31));
    if (last > i + 1) w.fill(0xffffffff, i + 1, last);
    w[last] = (w[last] as number) | (0xffffffff >>> (31 - ((hi - 1) & 31)));
  }
  /** Bits in [lo, hi) that are not set. */
  zerosIn(lo: number, hi: number): number {
    const w = this.w;
    let i = lo >>> 5;
    const last = (hi - 1) >>> 5;
    if (i === last)
      return hi - lo - popcount((w[i] as number) & ((0xffffffff >>> (32 - (hi - lo))) << (lo & 31)));
    let ones = popcount((w[i] as number) & (0xffffffff << (lo & 31)));
    for (i++; i < last; i++) ones += popcount(w[i] as number);
    ones += popcount((w[last] as number) & (0xffffffff >>> (31 - ((hi - 1) & 31))));
    return hi - lo - ones;
  }
  has(a: number): boolean {
    return (((this.w[a >>> 5] as number) >>> (a & 31)) & 1) === 1;
  }
  set(a: number): void {
    const i = a >>> 5;
    this.cover(i, i + 1);
    this.w[i] = (this.w[i] as number) | (1 << (a & 31));
  }
  /** Bits set here and in neither `x` nor `y`. */
  countNotIn(x: Bits, y: Bits): number {
    let n = 0;
    const w = this.w;
    const xw = x.w;
    const yw = y.w;
    for (let i = this.lo; i < this.hi; i++) {
      const v = w[i] as number;
      if (v !== 0) n += popcount(v & ~((xw[i] as number) | (yw[i] as number)));
    }
    return n;
  }
  /** other |= this. */
  mergeInto(other: Bits): void {
    if (this.hi === this.lo) return;
    const w = this.w;
    const ow = other.w;
    other.cover(this.lo, this.hi);
    for (let i = this.lo; i < this.hi; i++) ow[i] = (ow[i] as number) | (w[i] as number);
  }
  clear(): void {
    if (this.hi > this.lo) this.w.fill(0, this.lo, this.hi);
    this.lo = 0;
    this.hi = 0;
  }
}

const POOL = [new Bits(1), new Bits(1), new Bits(1)];

export interface IfmapInput {
  layer: ConvShape;
  array: SystolicArray;
  folds: Folds;
  E: number;
  F: number;
  K: number;
}

// A place in a fold's read order is (row t, column c): SCALE-Sim reads a row's entries in column
// order. A window (tA, cA) → (tB, cB) holds the reads strictly after the first and strictly before
// the second; cA = +∞ means "after all of row tA", cB = −∞ "before all of row tB".
const AFTER_ROW = Number.POSITIVE_INFINITY;
const WALK_ROWS = 6;
const BEFORE_ROW = Number.NEGATIVE_INFINITY;

/** Runs the ifmap stream of a layer through the tumbling window `ep` (whose firstRow is set). */
export function ifmapReads(inp: IfmapInput, ep: Epochs): void {
  const { layer: l, array: a, folds, E, F, K } = inp;
  const { ifmapH: H, ifmapW: W, filterH: R, filterW: S, channels: C, strideH: sh, strideW: sw } = l;
  const { Ra, L } = folds;
  const M = E * F;
  const SC = S * C;
  const df = a.dataflow;
  const space = H * W * C;
  // Three bitsets reused from call to call (a search simulates thousands of layers).
  const [seen, scratch, chunk] = POOL.map((b) => b.resize(space)) as [Bits, Bits, Bits];
  const rowBuf = new Int32Array(Math.max(a.rows, a.cols));
  const colBuf = new Int32Array(Math.max(a.rows, a.cols));
  // The current fold: pixels [ma, mb), elements [ka, kb), its first demand row.
  let fr = 0;
  let fc = 0;
  let ru = 0;
  let cu = 0;
  let row0 = 0;
  let ma = 0;
  let mb = 0;
  let ka = 0;
  let kb = 0;
  const setFold = (r: number, c: number, rr: number, cc: number, g0: number) => {
    fr = r;
    fc = c;
    ru = rr;
    cu = cc;
    row0 = g0;
    if (df === 'os') {
      ma = r * Ra;
      mb = ma + rr;
      ka = 0;
      kb = K;
    } else if (df === 'ws') {
      ma = 0;
      mb = M;
      ka = r * Ra;
      kb = ka + rr;
    } else {
      ma = c * a.cols;
      mb = ma + cc;
      ka = r * Ra;
      kb = ka + rr;
    }
  };

  // ---- validity (holes of SCALE-Sim's rounding) in closed form ----
  const holes = (E - 1) * sh + R > H || (F - 1) * sw + S > W;
  /** Valid elements k < q of pixel m. */
  const validElements = (m: number, q: number): number => {
    if (q <= 0) return 0;
    if (!holes) return Math.min(q, K);
    const oh = Math.floor(m / F);
    const ow = m - oh * F;
    const rows = Math.max(0, Math.min(R, H - oh * sh));
    const cols = Math.max(0, Math.min(S, W - ow * sw)) * C;
    const full = Math.floor(q / SC);
    return Math.min(full, rows) * cols + (full < rows ? Math.min(q - full * SC, cols) : 0);
  };
  /** Valid pixels m < p for element k. */
  const validPixels = (k: number, p: number): number => {
    if (p <= 0) return 0;
    if (!holes) return Math.min(p, M);
    const r = Math.floor(k / SC);
    const t = Math.floor((k - r * SC) / C);
    const ohs = Math.max(0, Math.min(E, Math.ceil((H - r) / sh)));
    const ows = Math.max(0, Math.min(F, Math.ceil((W - t) / sw)));
    const full = Math.floor(p / F);
    return Math.min(full, ohs) * ows + (full < ohs ? Math.min(p - full * F, ows) : 0);
  };

  // ---- the elements a pixel reads in a window, per dataflow ----
  let wLo = 0;
  let wHi = 0;
  /** Sets [wLo, wHi): the elements fold-local pixel p reads between (tA, cA) and (tB, cB). */
  const pixelWindow = (p: number, tA: number, cA: number, tB: number, cB: number) => {
    let lo: number;
    let hi: number;
    if (df === 'os') {
      // pixel c reads element k at (row c + k, column c)
      lo = tA - p + (p > cA ? 0 : 1);
      hi = tB - p + (p < cB ? 1 : 0);
    } else if (df === 'ws') {
      // pixel m reads element c at (row Ra + c + m, column c)
      const x = tA - Ra - p;
      const y = tB - Ra - p;
      lo = x + (x > cA ? 0 : 1);
      hi = y + (y < cB ? 1 : 0);
    } else {
      // pixel j reads element i at (row Ra − 1 − i, column j)
      lo = Ra - 1 - tB + (p < cB ? 0 : 1);
      hi = Ra - 1 - tA + (p > cA ? 1 : 0);
    }
    wLo = ka + Math.max(0, lo);
    wHi = ka + Math.min(kb - ka, hi);
  };

  // Runs are emitted in address order within an ifmap row and merged when they touch, so
  // overlapping windows of neighbouring pixels cost their distinct words only.
  let runLo = -1;
  let runHi = -1;
  let runInto: Bits | null = null;
  const emit = (lo: number, hi: number) => {
    if (lo >= hi) return;
    if (lo <= runHi && lo >= runLo) {
      if (hi > runHi) runHi = hi;
      return;
    }
    flush();
    runLo = lo;
    runHi = hi;
  };
  const flush = () => {
    if (runHi > runLo && runInto) runInto.orRange(runLo, runHi);
    runLo = -1;
    runHi = -1;
  };
  /** The reads of the current fold between (tA, cA) and (tB, cB), OR-ed into `into`. */
  const addWindow = (tA: number, cA: number, tB: number, cB: number, into: Bits) => {
    runInto = into;
    const r0 = Math.floor(ka / SC);
    const r1 = Math.floor((kb - 1) / SC);
    // Only pixels with a read between the two rows (ws: pixel m reads rows Ra+m … Ra+m+ru−1;
    // os: pixel c rows c … c+K−1).
    let m0 = ma;
    let m1 = mb;
    if (df === 'ws') {
      m0 = Math.max(ma, tA - Ra - ru + 1);
      m1 = Math.min(mb, tB - Ra + 1);
      // Pixels in (tA − Ra, tB − Ra − ru] read all their elements in the window: that block is
      // a footprint (runs merged per ifmap row); only the two staircase ends go pixel by pixel.
      const f0 = Math.max(m0, tA - Ra + 1);
      const f1 = Math.min(m1, tB - Ra - ru + 1);
      if (f1 - f0 > 2 * ru) {
        sinkCount = false;
        sinkBits = into;
        footprintElems(f0, f1, ka, kb, false);
        addPixels(m0, f0, tA, cA, tB, cB, r0, r1);
        addPixels(f1, m1, tA, cA, tB, cB, r0, r1);
        flush();
        return;
      }
    } else if (df === 'os') {
      m0 = Math.max(ma, ma + tA - K + 1);
      m1 = Math.min(mb, ma + tB + 1);
    }
    addPixels(m0, m1, tA, cA, tB, cB, r0, r1);
    flush();
  };
  /** Pixels [m0, m1) of the current fold, their elements between (tA, cA) and (tB, cB), filter rows r0…r1. */
  const addPixels = (
    m0: number,
    m1: number,
    tA: number,
    cA: number,
    tB: number,
    cB: number,
    r0: number,
    r1: number,
  ) => {
    for (let r = r0; r <= r1; r++) {
      const rLo = r * SC;
      // os: pixel p's elements lie within [tA − p, tB − p], so only pixels in
      // [tA − rLo − SC + 1, tB − rLo] can reach filter row r (the test below is exact).
      const mA = df === 'os' ? Math.max(m0, ma + tA - rLo - SC + 1) : m0;
      const mB = df === 'os' ? Math.min(m1, ma + tB - rLo + 1) : m1;
      for (let m = mA; m < mB; m++) {
        pixelWindow(m - ma, tA, cA, tB, cB);
        const k0 = Math.max(wLo, rLo);
        const k1 = Math.min(wHi, rLo + SC);
        if (k0 >= k1) continue;
        const oh = Math.floor(m / F);
        const ow = m - oh * F;
        const y = oh * sh + r;
        const x0 = ow * sw;
        if (y >= H || x0 >= W) continue;
        const qb = Math.min(k1 - rLo, (W - x0) * C);
        const base = (y * W + x0) * C - rLo;
        emit(base + k0, base + rLo + qb);
      }
    }
  };
  /**
   * Sends to `sink` disjoint address runs covering every valid address of pixels [p0, p1)
   * × all elements: per ifmap row, the union of the column spans of the output rows that read it.
   */
  // Where footprint runs go: counted against `seen` (new addresses), or OR-ed into a bitset.
  let sinkCount = false;
  let sinkBits = seen;
  let counted = 0;
  const sink = (lo: number, hi: number) => {
    if (sinkCount) counted += seen.zerosIn(lo, hi);
    else sinkBits.orRange(lo, hi);
  };
  /** Output columns [u0, u1] of ifmap row y: one run when windows touch, else one per column. */
  const cols = (y: number, u0: number, u1: number) => {
    const base = y * W;
    if (S >= sw) {
      const x0 = Math.min(W, u0 * sw);
      const x1 = Math.min(W, u1 * sw + S);
      if (x1 > x0) sink((base + x0) * C, (base + x1) * C);
      return;
    }
    for (let u = u0; u <= u1; u++) {
      const x0 = u * sw;
      if (x0 < W) sink((base + x0) * C, (base + Math.min(W, x0 + S)) * C);
    }
  };
  const footprint = (p0: number, p1: number) => {
    const ohA = Math.floor(p0 / F);
    const ohB = Math.floor((p1 - 1) / F);
    const owA = p0 - ohA * F;
    const owB = p1 - 1 - ohB * F;
    for (let y = ohA * sh; y < Math.min(H, ohB * sh + R); y++) {
      const lo = Math.max(ohA, Math.ceil((y - R + 1) / sh));
      const hi = Math.min(ohB, Math.floor(y / sh));
      if (lo > hi) continue;
      if (Math.max(lo, ohA + 1) <= Math.min(hi, ohB - 1)) {
        // An output row read whole: every column.
        cols(y, 0, F - 1);
        continue;
      }
      // Only the fold's first and/or last (partial) output rows read ifmap row y.
      const first = lo === ohA;
      const last = ohB !== ohA && hi === ohB;
      const a1 = ohA === ohB ? owB : F - 1;
      // The two partial rows' spans meet when their columns do (or, with overlapping windows, their x ranges).
      const meet = S >= sw ? owB * sw + S >= owA * sw : owB + 1 >= owA;
      if (first && last && meet) cols(y, 0, F - 1);
      else {
        if (last) cols(y, 0, owB);
        if (first) cols(y, owA, a1);
      }
    }
  };
  // Intervals of one ifmap row, gathered from the output rows and filter rows that read it.
  let ivLo = new Float64Array(64);
  let ivHi = new Float64Array(64);
  let ivN = 0;
  const pushIv = (lo: number, hi: number) => {
    if (lo >= hi) return;
    if (ivN === ivLo.length) {
      const a2 = new Float64Array(ivN * 2);
      a2.set(ivLo);
      ivLo = a2;
      const b2 = new Float64Array(ivN * 2);
      b2.set(ivHi);
      ivHi = b2;
    }
    ivLo[ivN] = lo;
    ivHi[ivN++] = hi;
  };
  const owValid = Math.ceil(W / sw) - 1; // the last output column whose window starts inside the ifmap
  /**
   * Sends to `sink` runs covering the valid addresses of pixels [p0, p1) × elements
   * [k0, k1): per ifmap row, each (output row, filter row) that reads it gives one run when the
   * pixels' runs touch (the row's q-range spans the stride), else one per pixel; their union is
   * emitted. The whole window (k0 = 0, k1 = K) has the simpler case analysis of `footprint`.
   */
  const comboAt = new Int32Array(R + 2);
  const comboHead = new Int32Array(R + 2);
  const footprintElems = (p0: number, p1: number, k0: number, k1: number, disjoint: boolean) => {
    if (k0 === 0 && k1 === K) {
      footprint(p0, p1);
      return;
    }
    const ohA = Math.floor(p0 / F);
    const ohB = Math.floor((p1 - 1) / F);
    const owA = p0 - ohA * F;
    const owB = p1 - 1 - ohB * F;
    const r0 = Math.floor(k0 / SC);
    const r1 = Math.floor((k1 - 1) / SC);
    const rowEnd = W * C;
    for (let y = ohA * sh + r0; y < Math.min(H, ohB * sh + r1 + 1); y++) {
      ivN = 0;
      let combos = 0;
      for (
        let oh = Math.max(ohA, Math.ceil((y - r1) / sh));
        oh <= Math.min(ohB, Math.floor((y - r0) / sh));
        oh++
      ) {
        const r = y - oh * sh;
        const qa = r === r0 ? k0 - r * SC : 0;
        const qb = r === r1 ? k1 - r * SC : SC;
        const u0 = oh === ohA ? owA : 0;
        const u1 = Math.min(oh === ohB ? owB : F - 1, owValid);
        if (qa >= qb || u0 > u1) continue;
        comboAt[combos++] = ivN;
        const base = y * rowEnd;
        if (qb - qa >= sw * C) pushIv(base + u0 * sw * C + qa, base + Math.min(rowEnd, u1 * sw * C + qb));
        else
          for (let u = u0; u <= u1; u++)
            pushIv(base + u * sw * C + qa, base + Math.min(rowEnd, u * sw * C + qb));
      }
      if (ivN === 0) continue;
      if (!disjoint) {
        for (let i = 0; i < ivN; i++) sink(ivLo[i] as number, ivHi[i] as number);
        continue;
      }
      // Each output row's runs are sorted; with several output rows, merge them by their starts.
      comboAt[combos] = ivN;
      const head = comboHead;
      for (let j = 0; j < combos; j++) head[j] = comboAt[j] as number;
      let lo = -1;
      let hi = -1;
      for (;;) {
        let best = -1;
        for (let j = 0; j < combos; j++)
          if (
            (head[j] as number) < (comboAt[j + 1] as number) &&
            (best < 0 || (ivLo[head[j] as number] as number) < (ivLo[head[best] as number] as number))
          )
            best = j;
        if (best < 0) break;
        const i = head[best] as number;
        head[best] = i + 1;
        const l2 = ivLo[i] as number;
        const h2 = ivHi[i] as number;
        if (l2 <= hi) {
          if (h2 > hi) hi = h2;
        } else {
          if (hi > lo) sink(lo, hi);
          lo = l2;
          hi = h2;
        }
      }
      if (hi > lo) sink(lo, hi);
    }
  };
  /** Addresses of pixels [p0, p1) × elements [k0, k1) that `seen` does not hold. */
  const newIn = (p0: number, p1: number, k0: number, k1: number): number => {
    sinkCount = true;
    counted = 0;
    footprintElems(p0, p1, k0, k1, true);
    return counted;
  };
  const addToSeen = (p0: number, p1: number, k0: number, k1: number) => {
    sinkCount = false;
    sinkBits = seen;
    footprintElems(p0, p1, k0, k1, false);
  };
  /**
   * Reads of the current fold at or before (t, c) when there are no holes: os and ws read an
   * ru × B block along anti-diagonals (row = offset + diagonal, column = array row/column); is
   * reads one element per row, all cu pixels.
   */
  const upTo = (t: number, c: number): number => {
    if (df === 'is') {
      const rows = Math.max(0, Math.min(ru, t - (Ra - ru)));
      const inRow = t >= Ra - ru && t < Ra ? Math.max(0, Math.min(cu, c + 1)) : 0;
      return rows * cu + inRow;
    }
    const B = df === 'os' ? K : M;
    const d = df === 'os' ? t : t - Ra;
    const lo = Math.max(0, d - B + 1);
    const hi = Math.min(ru - 1, d, c);
    return pairsBelow(ru, B, d) + Math.max(0, hi - lo + 1);
  };
  /** Valid reads of the current fold between (tA, cA) and (tB, cB). */
  const validWindow = (tA: number, cA: number, tB: number, cB: number): number => {
    if (!holes) return Math.max(0, upTo(tB, cB - 1) - upTo(tA, cA));
    let n = 0;
    if (df === 'ws') {
      // Per element c: the pixels m read between the two places.
      const x = tA - Ra;
      const y = tB - Ra;
      for (let c = 0; c < ru; c++) {
        const lo = Math.max(0, x - c + (c > cA ? 0 : 1));
        const hi = Math.min(M, y - c + (c < cB ? 1 : 0));
        if (lo < hi) n += validPixels(ka + c, hi) - validPixels(ka + c, lo);
      }
      return n;
    }
    for (let m = ma; m < mb; m++) {
      pixelWindow(m - ma, tA, cA, tB, cB);
      if (wLo < wHi) n += validElements(m, wHi) - validElements(m, wLo);
    }
    return n;
  };

  /** Address of (pixel m, element k), or −1 where SCALE-Sim's rounding reads outside the ifmap. */
  const address = (m: number, k: number): number => {
    const oh = Math.floor(m / F);
    const ow = m - oh * F;
    const r = Math.floor(k / SC);
    const q = k - r * SC;
    const t = Math.floor(q / C);
    const y = oh * sh + r;
    const x = ow * sw + t;
    if (y >= H || x >= W) return -1;
    return (y * W + x) * C + q - t * C;
  };
  /** Row t of the current fold: valid addresses in rowBuf, their columns in colBuf, in SCALE-Sim's order. */
  const readRow = (t: number): number => {
    let n = 0;
    if (df === 'os') {
      for (let c = Math.max(0, t - K + 1); c <= Math.min(ru - 1, t); c++) {
        const addr = address(ma + c, t - c);
        if (addr >= 0) {
          rowBuf[n] = addr;
          colBuf[n++] = c;
        }
      }
    } else if (df === 'ws') {
      const x = t - Ra;
      for (let c = Math.max(0, x - M + 1); c <= Math.min(ru - 1, x); c++) {
        const addr = address(x - c, ka + c);
        if (addr >= 0) {
          rowBuf[n] = addr;
          colBuf[n++] = c;
        }
      }
    } else {
      const i = Ra - 1 - t;
      if (i >= 0 && i < ru)
        for (let j = 0; j < cu; j++) {
          const addr = address(ma + j, ka + i);
          if (addr >= 0) {
            rowBuf[n] = addr;
            colBuf[n++] = j;
          }
        }
    }
    return n;
  };

  // ---- epoch state ----
  let epoch = 1;
  const chanEpoch = new Int32Array(C);
  /** Windows counted but not yet in `seen`: fold coordinates and the window. */
  const lazy: number[] = [];
  const keyEpoch = new Int32Array(Math.max(folds.rowFold, 1));
  const endEpoch = (row: number) => {
    ep.end(row);
    seen.clear();
    lazy.length = 0;
    epoch++;
  };
  // The epoch in which every channel was read at once (os folds, is column folds), or 0.
  let allChannels = 0;
  const markRange = (k0: number, k1: number) => {
    if (k1 - k0 >= C) {
      allChannels = epoch;
      return;
    }
    for (let k = k0; k < k1; k++) chanEpoch[k % C] = epoch;
  };
  const markChannels = () => markRange(ka, kb);
  const channelsFree = () => {
    if (allChannels === epoch) return false;
    if (kb - ka >= C) {
      for (let c = 0; c < C; c++) if (chanEpoch[c] === epoch) return false;
      return true;
    }
    for (let k = ka; k < kb; k++) if (chanEpoch[k % C] === epoch) return false;
    return true;
  };
  const materialize = () => {
    if (lazy.length === 0) return;
    const keep = [fr, fc, ru, cu, row0];
    for (let i = 0; i < lazy.length; i += 9) {
      setFold(
        lazy[i] as number,
        lazy[i + 1] as number,
        lazy[i + 2] as number,
        lazy[i + 3] as number,
        lazy[i + 4] as number,
      );
      addWindow(
        lazy[i + 5] as number,
        lazy[i + 6] as number,
        lazy[i + 7] as number,
        lazy[i + 8] as number,
        seen,
      );
    }
    setFold(keep[0] as number, keep[1] as number, keep[2] as number, keep[3] as number, keep[4] as number);
    lazy.length = 0;
  };
  // Pairwise distinct reads within a fold: within one (r, t) position every pixel gives another
  // address, and a block of at most C elements never repeats a channel.
  const overlapFree = () => kb - ka <= C || (df === 'os' && (ru === 1 || (R <= sh && S <= sw)));

  /** Where, reading all-distinct new addresses from (tA, cA), the `need`-th one falls: sets eT, eC. */
  let eT = 0;
  let eC = 0;
  const distinctEnd = (tA: number, cA: number, need: number) => {
    let lo = Math.max(0, tA);
    let hi = L - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (validWindow(tA, cA, mid + 1, BEFORE_ROW) >= need) hi = mid;
      else lo = mid + 1;
    }
    let have = validWindow(tA, cA, lo, BEFORE_ROW);
    const n = readRow(lo);
    for (let i = 0; i < n; i++) {
      const c = colBuf[i] as number;
      if (lo === tA && c <= cA) continue;
      if (++have === need) {
        eT = lo;
        eC = c;
        return;
      }
    }
    throw new Error('ifmap epoch end not found');
  };

  // The bits path: `have` addresses of the current epoch were read in the current fold so far
  // (they are in `scratch`, the epoch's earlier ones in `seen`).
  let have = 0;
  let whole = true;
  /** Walks rows [t0, t1) after (tA, cA) read by read, ending epochs where they fill up. */
  const walk = (tA: number, cA: number, t0: number, t1: number) => {
    for (let row = t0; row < t1; row++) {
      const n = readRow(row);
      for (let i = 0; i < n; i++) {
        if (row === tA && (colBuf[i] as number) <= cA) continue;
        const addr = rowBuf[i] as number;
        if (seen.has(addr) || scratch.has(addr)) continue;
        scratch.set(addr);
        if (++have === ep.room) {
          endEpoch(row0 + row);
          scratch.clear();
          have = 0;
          whole = false;
        }
      }
    }
  };
  /**
   * Reads of the current fold after (tA, cA) and before row tEnd: counted as runs when they do not
   * end the epoch, else halved until a few rows remain, which are walked.
   */
  const scan = (tA: number, cA: number, tEnd: number, known = -1) => {
    const t0 = Math.max(0, tA);
    let fresh = known;
    if (fresh < 0) {
      chunk.clear();
      addWindow(tA, cA, tEnd, BEFORE_ROW, chunk);
      fresh = chunk.countNotIn(seen, scratch);
      if (have + fresh < ep.room) {
        chunk.mergeInto(scratch);
        have += fresh;
        return;
      }
    }
    // A few rows are cheaper to read one address at a time than to split again.
    if (tEnd - t0 <= WALK_ROWS) {
      walk(tA, cA, t0, tEnd);
      return;
    }
    // Split just past where the new addresses, spread evenly over the rows, would fill the epoch,
    // but keep each part at least a quarter of the rows so the windows shrink geometrically.
    const len = tEnd - t0;
    const guess = t0 + Math.ceil((len * (ep.room - have)) / fresh) + 1;
    const mid = Math.min(tEnd - Math.ceil(len / 4), Math.max(t0 + Math.ceil(len / 4), guess));
    scan(tA, cA, mid);
    scan(mid - 1, AFTER_ROW, tEnd);
  };
  /** The bits path for the current fold; returns whether no epoch ended inside it. */
  /** `fresh`: the fold's addresses new to the epoch, when already counted (then they end it). */
  const scanFold = (fresh = -1): boolean => {
    scratch.clear();
    have = 0;
    whole = true;
    scan(-1, AFTER_ROW, L, fresh);
    ep.add(have);
    scratch.mergeInto(seen);
    markChannels();
    return whole;
  };

  /** The certified path: a fold whose reads are distinct and new to the epoch, counted in closed form. */
  const certified = () => overlapFree() && (ep.count === 0 || channelsFree());
  const countDistinct = (): boolean => {
    let whole = true;
    let tA = -1;
    let cA = AFTER_ROW;
    let left = validWindow(tA, cA, L, BEFORE_ROW);
    while (left >= ep.room) {
      const need = ep.room;
      distinctEnd(tA, cA, need);
      left -= need;
      endEpoch(row0 + eT);
      tA = eT;
      cA = eC;
      whole = false;
    }
    if (left > 0) {
      ep.add(left);
      lazy.push(fr, fc, ru, cu, row0, tA, cA, L, BEFORE_ROW);
      markChannels();
    }
    return whole;
  };

  /**
   * The folds of one column fold, in order. Runs of folds that add less than the room left are
   * counted together from their joint footprint (as many as the room holds at the last group's
   * rate, halved until they fit); a fold where the epoch ends is scanned on its own.
   */
  const columnFold = (c: number, cc: number) => {
    let G = 1;
    let perFold = 0;
    let r = 0;
    while (r < folds.rowFold) {
      setFold(r, c, usedRows(folds, r), cc, (c * folds.rowFold + r) * L);
      if (df !== 'is' && keyEpoch[r] === epoch) {
        r++;
        continue;
      }
      if (certified()) {
        if (countDistinct() && df !== 'is') keyEpoch[r] = epoch;
        r++;
        continue;
      }
      materialize();
      // Try as many folds as the room left holds at the rate the last group added addresses.
      if (perFold > 0) G = Math.max(1, Math.floor((0.9 * ep.room) / perFold));
      let g = Math.min(G, folds.rowFold - r);
      for (;;) {
        // os: pixels of row folds [r, r+g) × all elements; ws, is: the fold's pixels × their elements.
        const end = Math.min(folds.Sr, (r + g) * Ra);
        const os = df === 'os';
        const p0 = os ? r * Ra : ma;
        const p1 = os ? end : mb;
        const k0 = os ? 0 : r * Ra;
        const k1 = os ? K : end;
        const fresh = newIn(p0, p1, k0, k1);
        if (fresh < ep.room) {
          ep.add(fresh);
          addToSeen(p0, p1, k0, k1);
          markRange(k0, k1);
          if (df !== 'is') for (let x = r; x < r + g; x++) keyEpoch[x] = epoch;
          if (fresh > 0) perFold = fresh / g;
          r += g;
          G = 2 * g;
          break;
        }
        if (g === 1) {
          if (scanFold(fresh) && df !== 'is') keyEpoch[r] = epoch;
          r++;
          G = 1;
          break;
        }
        g = Math.ceil(g / 2);
      }
    }
  };

  /**
   * os and ws: every column fold reads the same ifmap stream (the pixels and elements depend on
   * the row fold only), so the window's state entering a column fold is fixed by where the last
   * epoch ended in the one before (its row within the sweep and the epoch's count: two reads of
   * one row with the same count leave the same set). Once a state recurs, the sweeps between
   * repeat to the end: their misses, epoch ends and last end row are added without reading.
   */
  const sweeps = (run: (c: number) => void) => {
    const sweepRows = folds.rowFold * L;
    const states = new Map<number, { c: number; misses: number; ended: number }>();
    let endedBefore = ep.ended;
    for (let c = 0; c < folds.colFold; c++) {
      if (c > 0 && ep.ended > endedBefore) {
        const key = (ep.lastEndRow - (c - 1) * sweepRows) * (ep.size + 1) + ep.count;
        const prev = states.get(key);
        if (prev === undefined) states.set(key, { c, misses: ep.misses, ended: ep.ended });
        else {
          const period = c - prev.c;
          const k = Math.floor((folds.colFold - c) / period);
          ep.misses += k * (ep.misses - prev.misses);
          ep.ended += k * (ep.ended - prev.ended);
          ep.lastEndRow += k * period * sweepRows;
          c += k * period;
          states.clear();
          if (c >= folds.colFold) break;
        }
      }
      endedBefore = ep.ended;
      run(c);
    }
  };

  try {
    if (df === 'is') {
      // An is column fold reads its pixels' whole windows: column folds that add less than the
      // room left are counted together (doubling while it fits), the others fold by fold.
      let G = 1;
      let c = 0;
      while (c < folds.colFold) {
        materialize();
        let g = Math.min(G, folds.colFold - c);
        for (;;) {
          const p1 = Math.min(M, (c + g) * a.cols);
          const fresh = newIn(c * a.cols, p1, 0, K);
          if (fresh < ep.room) {
            ep.add(fresh);
            addToSeen(c * a.cols, p1, 0, K);
            allChannels = epoch;
            c += g;
            G = 2 * g;
            break;
          }
          if (g === 1) {
            columnFold(c, Math.min(a.cols, folds.Sc - c * a.cols));
            c++;
            G = 1;
            break;
          }
          g = Math.ceil(g / 2);
        }
      }
    } else sweeps((c) => columnFold(c, Math.min(a.cols, folds.Sc - c * a.cols)));
  } finally {
    seen.clear();
    scratch.clear();
    chunk.clear();
  }
}
