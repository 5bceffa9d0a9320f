// CALC-mode DRAM filter reads in closed form (README §6). Filter addresses n·K + k are one per
// (k, n), so each dataflow's filter stream is a few *blocks* of distinct addresses, each read
// `reps` times over in the same order, and blocks share no address:
//  * os: column fold fc reads its filters × K once per row fold (block fc, rowFold reps);
//  * ws: every weight once (one block, one rep);
//  * is: each column fold reads the whole K × N again (one block of K·N, colFold reps).
// On such a stream the tumbling window has a closed form. With c addresses already in the epoch,
// a block of S addresses (S < P) misses S on its first rep; if that ends the epoch (at its
// (P − c)-th read), the second rep misses again the P − c addresses read before the end, and then
// the epoch holds the whole block and later reps hit. A block of S ≥ P never holds an address
// twice within P reads, so every read misses and an epoch ends every P reads.

import type { Epochs } from './epoch.js';
import { type Folds, usedCols, usedRows } from './folds.js';
import { pairsBelow } from './layer.js';
import type { SystolicArray } from './result.js';

interface Block {
  size: number;
  reps: number;
  /** Demand row of the q-th read (1-based) of rep `rep`. */
  rowOf(rep: number, q: number): number;
}

/** Smallest d ≥ 0 with at least q entries of an A × B block on anti-diagonals ≤ d. */
function diagonalOf(A: number, B: number, q: number): number {
  let lo = 0;
  let hi = A + B - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pairsBelow(A, B, mid + 1) >= q) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Smallest i in [0, n) with cum(i + 1) ≥ q, for a non-decreasing cum. */
function firstReaching(n: number, q: number, cum: (i: number) => number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (cum(mid + 1) >= q) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function blocks(a: SystolicArray, f: Folds, K: number, N: number): { first: number; list: Block[] } {
  const { Ra, Ca, L, rowFold, colFold } = f;
  if (a.dataflow === 'os') {
    // Filter column j, element k is read at local row j + k.
    const list: Block[] = [];
    for (let fc = 0; fc < colFold; fc++) {
      const cu = usedCols(f, fc);
      list.push({
        size: cu * K,
        reps: rowFold,
        rowOf: (rep, q) => (fc * rowFold + rep) * L + diagonalOf(cu, K, q),
      });
    }
    return { first: 0, list };
  }
  if (a.dataflow === 'ws') {
    // Weight (fr·Ra+i, fc·Ca+j) is read at local row Ra−1−i: rows Ra−ru … Ra−1, cu reads each.
    const before = (fold: number) => {
      const fr = fold % rowFold;
      const fc = (fold - fr) / rowFold;
      return K * Math.min(fc * Ca, N) + Math.min(fr * Ra, K) * usedCols(f, fc);
    };
    return {
      first: Ra - usedRows(f, 0),
      list: [
        {
          size: K * N,
          reps: 1,
          rowOf: (_rep, q) => {
            const fold = firstReaching(rowFold * colFold, q, before);
            const fr = fold % rowFold;
            const cu = usedCols(f, (fold - fr) / rowFold);
            return fold * L + Ra - usedRows(f, fr) + Math.floor((q - before(fold) - 1) / cu);
          },
        },
      ],
    };
  }
  // is: element fr·Ra+c of filter n is read at local row Ra + c + n; a sweep covers fr = 0 … rowFold−1.
  const before = (fr: number) => Math.min(fr * Ra, K) * N;
  return {
    first: Ra,
    list: [
      {
        size: K * N,
        reps: colFold,
        rowOf: (rep, q) => {
          const fr = firstReaching(rowFold, q, before);
          return (rep * rowFold + fr) * L + Ra + diagonalOf(usedRows(f, fr), N, q - before(fr));
        },
      },
    ],
  };
}

/** Runs the filter stream of a layer through the tumbling window `ep`. */
export function filterReads(a: SystolicArray, f: Folds, K: number, N: number, ep: Epochs): void {
  const { first, list } = blocks(a, f, K, N);
  ep.firstRow = first;
  const P = ep.size;
  for (const b of list) {
    const S = b.size;
    if (S >= P) {
      const total = b.reps * S;
      const endsHere = Math.floor((ep.count + total) / P);
      if (endsHere > 0) {
        const offset = endsHere * P - ep.count; // reads into the block of the last epoch end
        ep.misses += total;
        ep.count = ep.count + total - endsHere * P;
        ep.ended += endsHere;
        ep.lastEndRow = b.rowOf(Math.floor((offset - 1) / S), ((offset - 1) % S) + 1);
      } else ep.add(total);
      continue;
    }
    if (S < ep.room) {
      ep.add(S);
      continue;
    }
    const q1 = ep.room;
    ep.end(b.rowOf(0, q1));
    ep.add(S - q1);
    if (b.reps >= 2) ep.add(q1);
  }
}
