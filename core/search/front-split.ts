// Splitting observed objective vectors into a "good" and a "bad" set for multi-objective TPE
// (Ozaki et al. 2020/2022, as in Optuna's TPESampler): whole non-domination fronts first, then the
// front that does not fit whole is cut by greedy hypervolume subset selection (HSSP), so the good
// set spreads along the front instead of bunching at one end. Vectors are larger-is-better.
import { hvUnion } from './pareto.js';

/**
 * Non-domination rank of each vector (0 = the first front), by Deb's fast non-dominated sort:
 * O(n² · d) once, then fronts are peeled off. Peeling stops once at least `needed` vectors have a
 * rank; the rest get Infinity (callers that only want the best few fronts pay for those only).
 * Equal vectors do not dominate each other, so they share a rank.
 */
export function fastNondominatedRanks(
  vectors: readonly (readonly number[])[],
  needed: number = vectors.length,
): number[] {
  const n = vectors.length;
  const rank = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  const count = new Int32Array(n);
  const beats: number[][] = vectors.map(() => []);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const c = compare(vectors[i]!, vectors[j]!);
      if (c > 0) {
        beats[i]!.push(j);
        count[j]! += 1;
      } else if (c < 0) {
        beats[j]!.push(i);
        count[i]! += 1;
      }
    }
  let front: number[] = [];
  for (let i = 0; i < n; i++) if (count[i] === 0) front.push(i);
  let assigned = 0;
  for (let level = 0; front.length > 0 && assigned < needed; level++) {
    const next: number[] = [];
    for (const i of front) {
      rank[i] = level;
      for (const j of beats[i]!) {
        count[j]! -= 1;
        if (count[j] === 0) next.push(j);
      }
    }
    assigned += front.length;
    front = next.sort((a, b) => a - b);
  }
  return rank;
}

/** 1 if a dominates b, −1 if b dominates a, 0 otherwise (larger is better on every axis). */
function compare(a: readonly number[], b: readonly number[]): number {
  let aBetter = false;
  let bBetter = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) aBetter = true;
    else if (a[k]! < b[k]!) bBetter = true;
    if (aBetter && bBetter) return 0;
  }
  return aBetter ? 1 : bBetter ? -1 : 0;
}

/**
 * Optuna's reference point for the tie-break, in larger-is-better terms: 10% beyond the worst value
 * on each axis (Optuna takes max(1.1·w, 0.9·w) of the worst loss w; a zero becomes 1e-12).
 */
export function tieBreakReference(vectors: readonly (readonly number[])[]): number[] {
  const d = vectors[0]!.length;
  return Array.from({ length: d }, (_, k) => {
    const worstLoss = Math.max(...vectors.map((v) => -v[k]!));
    const ref = Math.max(1.1 * worstLoss, 0.9 * worstLoss);
    return -(ref === 0 ? 1e-12 : ref);
  });
}

/**
 * Greedy hypervolume subset selection: `k` of `indices`, each step adding the vector that adds the
 * most hypervolume (above `reference`) to those already chosen; ties go to the earlier index.
 */
export function greedyHssp(
  vectors: readonly (readonly number[])[],
  indices: readonly number[],
  k: number,
  reference: readonly number[],
): number[] {
  const d = reference.length;
  const boxes = new Map(indices.map((i) => [i, vectors[i]!.map((x, m) => x - reference[m]!)]));
  const chosen: number[] = [];
  const chosenBoxes: number[][] = [];
  let hv = 0;
  const left = [...indices];
  while (chosen.length < k && left.length > 0) {
    let best = -1;
    let bestGain = Number.NEGATIVE_INFINITY;
    let bestHv = hv;
    for (let p = 0; p < left.length; p++) {
      const total = hvUnion([...chosenBoxes, boxes.get(left[p]!)!], d);
      if (total - hv > bestGain) {
        bestGain = total - hv;
        best = p;
        bestHv = total;
      }
    }
    const [i] = left.splice(best, 1);
    chosen.push(i!);
    chosenBoxes.push(boxes.get(i!)!);
    hv = bestHv;
  }
  return chosen;
}

/**
 * The indices of the `nBelow` best vectors (MOTPE's split): whole fronts while they fit, then greedy
 * HSSP inside the first front that does not. Returned in ascending index order.
 */
export function selectBelow(vectors: readonly (readonly number[])[], nBelow: number): number[] {
  const n = vectors.length;
  const k = Math.max(0, Math.min(nBelow, n));
  if (k === 0) return [];
  if (k === n) return vectors.map((_, i) => i);
  const rank = fastNondominatedRanks(vectors, k);
  const below: number[] = [];
  let level = 0;
  for (;;) {
    const front = rank.flatMap((r, i) => (r === level ? [i] : []));
    if (front.length === 0) break; // cannot happen: ranks cover at least k vectors
    if (below.length + front.length <= k) {
      below.push(...front);
      if (below.length === k) break;
      level += 1;
      continue;
    }
    const frontVectors = front.map((i) => vectors[i]!);
    below.push(...greedyHssp(vectors, front, k - below.length, tieBreakReference(frontVectors)));
    break;
  }
  return below.sort((a, b) => a - b);
}
