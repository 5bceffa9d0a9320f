// Which decisions the reward depends on: a variance-based, first-order importance per decision.
//
// For a decision d with values v (e.g. network.stage1.kernel ∈ {3, 5}), group the scored trials
// by their value of d. The share of the reward's variance that the group means explain is the
// correlation ratio η² = SS_between / SS_total, with SS_between = Σ_v n_v (ȳ_v − ȳ)² and
// SS_total = Σ_i (y_i − ȳ)². η² grows with the number of groups even on noise, so we report
// ε² = (SS_between − (k − 1)·MS_within) / (SS_total + MS_within), MS_within = SS_within / (n − k),
// clipped at 0 (an ANOVA effect size with that bias removed). Each decision is measured alone
// (no interactions, unlike fANOVA), on the trials the search happened to sample: a strategy
// that converged samples one value of a decision, which then gets no importance.
import type { Cell } from '../export/trials.js';

export interface Importance {
  name: string;
  /** ε², 0..1: the share of the reward's variance this decision explains alone. */
  importance: number;
  /** Distinct values seen. */
  values: number;
}

/** ε² of every decision with at least two values seen, highest first. */
export function decisionImportance(
  trials: readonly { params: Readonly<Record<string, Cell>>; reward: number }[],
): Importance[] {
  const n = trials.length;
  if (n < 3) return [];
  const mean = trials.reduce((s, t) => s + t.reward, 0) / n;
  const ssTotal = trials.reduce((s, t) => s + (t.reward - mean) ** 2, 0);
  if (!(ssTotal > 0)) return [];
  const names = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.params)) names.add(k);
  const out: Importance[] = [];
  for (const name of names) {
    const groups = new Map<string, { n: number; sum: number }>();
    for (const t of trials) {
      const key = String(t.params[name] ?? '(absent)');
      const g = groups.get(key) ?? { n: 0, sum: 0 };
      g.n++;
      g.sum += t.reward;
      groups.set(key, g);
    }
    const k = groups.size;
    if (k < 2 || k >= n) continue;
    let ssBetween = 0;
    for (const g of groups.values()) ssBetween += g.n * (g.sum / g.n - mean) ** 2;
    const msWithin = (ssTotal - ssBetween) / (n - k);
    const eps = (ssBetween - (k - 1) * msWithin) / (ssTotal + msWithin);
    out.push({ name, importance: Math.max(0, eps), values: k });
  }
  return out.sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : 1));
}
