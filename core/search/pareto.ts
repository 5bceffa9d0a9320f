// Multi-objective results: Pareto front, exact hypervolume, best per objective.
// Accuracy is maximized; latency, energy and area are minimized.
import type { ObjectiveName, Objectives } from '../spec/schema.js';

export type MetricVector = Partial<Record<ObjectiveName, number>>;

export interface ParetoPoint {
  /** Candidate id: ties and output order are resolved by it, so results are deterministic. */
  id: string;
  metrics: MetricVector;
}

const MAXIMIZED: ReadonlySet<ObjectiveName> = new Set<ObjectiveName>(['accuracy']);

export function isMaximized(name: ObjectiveName): boolean {
  return MAXIMIZED.has(name);
}

function byId<P extends ParetoPoint>(a: P, b: P): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function metricOf(p: ParetoPoint, name: ObjectiveName): number {
  const v = p.metrics[name];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`point ${p.id}: metric ${name} is missing or not finite (${String(v)})`);
  return v;
}

/** Oriented so that larger is better on every axis. */
function oriented(p: ParetoPoint, names: readonly ObjectiveName[]): number[] {
  return names.map((n) => (isMaximized(n) ? metricOf(p, n) : -metricOf(p, n)));
}

function checkNames(names: readonly ObjectiveName[]): void {
  if (names.length === 0) throw new Error('need at least one objective');
  if (new Set(names).size !== names.length) throw new Error(`duplicate objective in ${names.join(', ')}`);
}

/** a dominates b: no worse on every axis and better on one (vectors oriented larger-is-better). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) better = true;
  }
  return better;
}

/**
 * Non-dominated points over the given objectives, ordered by id. Points with equal metric
 * vectors do not dominate each other, so all of them stay.
 */
export function paretoFront<P extends ParetoPoint>(
  points: readonly P[],
  names: readonly ObjectiveName[],
): P[] {
  checkNames(names);
  const vs = points.map((p) => oriented(p, names));
  const out: P[] = [];
  for (let i = 0; i < points.length; i++) {
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) dominated = j !== i && dominates(vs[j]!, vs[i]!);
    if (!dominated) out.push(points[i]!);
  }
  return out.sort(byId);
}

/**
 * Reference point and normalization for the hypervolume, fixed per benchmark before any
 * strategy runs. Each objective is mapped to [0, 1] with 0 at `reference` (the worst value that
 * still counts) and 1 at `ideal` (defaults: accuracy 1, costs 0). Values past the ideal are
 * clipped to 1; points at or past the reference on any axis add nothing. The hypervolume of the
 * normalized front is therefore a fraction of the unit box, in [0, 1].
 */
export interface HypervolumeFrame {
  reference: MetricVector;
  ideal?: MetricVector;
}

export function normalize(
  p: ParetoPoint,
  names: readonly ObjectiveName[],
  frame: HypervolumeFrame,
): number[] {
  return names.map((n) => {
    const ref = frame.reference[n];
    if (ref === undefined) throw new Error(`hypervolume: no reference value for ${n}`);
    const ideal = frame.ideal?.[n] ?? (isMaximized(n) ? 1 : 0);
    const span = isMaximized(n) ? ideal - ref : ref - ideal;
    if (!(span > 0))
      throw new Error(`hypervolume: reference for ${n} (${ref}) must be worse than ideal (${ideal})`);
    const x = metricOf(p, n);
    const u = isMaximized(n) ? (x - ref) / span : (ref - x) / span;
    return Math.min(1, u);
  });
}

/**
 * Exact hypervolume (fraction of the normalized unit box dominated by the points), for any
 * number of objectives. 2-D is a sweep; higher dimensions slice along the last axis (HSO), which
 * costs O(n^(d-1) log n): fine for fronts of a few hundred points in 3-D or 4-D.
 */
export function hypervolume(
  points: readonly ParetoPoint[],
  names: readonly ObjectiveName[],
  frame: HypervolumeFrame,
): number {
  checkNames(names);
  const vs = points.map((p) => normalize(p, names, frame)).filter((v) => v.every((x) => x > 0));
  return hvUnion(vs, names.length);
}

/** Volume of the union of boxes [0, v] for v in vs (all coordinates in (0, 1]). */
export function hvUnion(vs: readonly (readonly number[])[], d: number): number {
  if (vs.length === 0) return 0;
  if (d === 1) return Math.max(...vs.map((v) => v[0]!));
  if (d === 2) {
    const s = [...vs].sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]!);
    let area = 0;
    let top = 0;
    for (const v of s) {
      if (v[1]! > top) {
        area += v[0]! * (v[1]! - top);
        top = v[1]!;
      }
    }
    return area;
  }
  const s = [...vs].sort((a, b) => b[d - 1]! - a[d - 1]!);
  let vol = 0;
  const prefix: number[][] = [];
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    // Drop points dominated in the projection: they add nothing to this or later slices.
    const proj = v.slice(0, d - 1);
    if (!prefix.some((q) => q.every((x, k) => x >= proj[k]!))) {
      for (let k = prefix.length - 1; k >= 0; k--)
        if (proj.every((x, j) => x >= prefix[k]![j]!)) prefix.splice(k, 1);
      prefix.push(proj);
    }
    const next = i + 1 < s.length ? s[i + 1]![d - 1]! : 0;
    const depth = v[d - 1]! - next;
    if (depth > 0) vol += depth * hvUnion(prefix, d - 1);
  }
  return vol;
}

/** Feasible under the constraints: every `limit`, and every hard-mode `target`. */
export function meetsConstraints(p: ParetoPoint, objectives: Objectives): boolean {
  for (const [name, o] of Object.entries(objectives) as [ObjectiveName, Objectives[ObjectiveName]][]) {
    const bounds = [o.limit, o.mode === 'hard' && name !== 'accuracy' ? o.target : undefined];
    for (const b of bounds) {
      if (b === undefined) continue;
      const v = p.metrics[name];
      if (v === undefined) return false; // cannot be verified
      if (isMaximized(name) ? v < b : v > b) return false;
    }
  }
  return true;
}

/** For each objective, the best point that meets the constraints (ties: lowest id), or null. */
export function bestPerObjective<P extends ParetoPoint>(
  points: readonly P[],
  objectives: Objectives,
  names: readonly ObjectiveName[] = ['accuracy', 'latencyMs', 'energyMJ', 'areaMM2'],
): Record<string, P | null> {
  const feasible = [...points].filter((p) => meetsConstraints(p, objectives)).sort(byId);
  const out: Record<string, P | null> = {};
  for (const n of names) {
    let best: P | null = null;
    for (const p of feasible) {
      const v = p.metrics[n];
      if (v === undefined) continue;
      const b = best?.metrics[n];
      if (b === undefined || (isMaximized(n) ? v > b : v < b)) best = p;
    }
    out[n] = best;
  }
  return out;
}
