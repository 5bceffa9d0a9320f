// Scalar reward from a candidate's metrics, in the MnasNet or ReLU-penalty form, plus the hard
// limits that make a candidate infeasible. The raw metrics are always returned next to the reward.
import { OBJECTIVE_NAMES, type ObjectiveName, type Objectives, type RewardSpec } from '../spec/schema.js';

/** Raw metrics of one candidate; accuracy in [0, 1]. */
export interface Metrics {
  accuracy: number;
  latencyMs?: number;
  energyMJ?: number;
  areaMM2?: number;
}

/** The metrics known before training (from the accelerator simulator). */
export type PreTrainingMetrics = Omit<Metrics, 'accuracy'>;

export interface LimitCheck {
  feasible: boolean;
  /** One human-readable line per violated limit, e.g. `areaMM2 12.5 > limit 10`. */
  violations: string[];
}

export interface RewardResult extends LimitCheck {
  /** The formula's value, or `reward.floor` when infeasible. */
  reward: number;
  /**
   * Parts of the reward: `accuracy`; per objective with a target, its MnasNet factor
   * `(m/T)^w` or its ReLU penalty `λ·max(0, m/T − 1)`; `formula`, the value before the floor.
   */
  terms: Record<string, number>;
  /** The raw metrics, unchanged. */
  metrics: Metrics;
}

const COST_NAMES = OBJECTIVE_NAMES.filter((n) => n !== 'accuracy') as Exclude<ObjectiveName, 'accuracy'>[];

function checkFinite(name: string, v: number | undefined): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
    throw new Error(`metric ${name} must be a finite number, got ${String(v)}`);
}

/**
 * Hard limits that can be checked before training (latency, energy, area): a candidate past one
 * is infeasible and should not be trained. A limit whose metric is missing is an error.
 */
export function checkHardLimits(metrics: PreTrainingMetrics, objectives: Objectives): LimitCheck {
  const violations: string[] = [];
  for (const name of COST_NAMES) {
    const o = objectives[name];
    const v = metrics[name];
    checkFinite(name, v);
    if (o.limit === undefined) continue;
    if (v === undefined) throw new Error(`objectives.${name}.limit is set but metric ${name} is missing`);
    if (v > o.limit) violations.push(`${name} ${v} > limit ${o.limit}`);
  }
  return { feasible: violations.length === 0, violations };
}

/** All hard limits, including a floor on accuracy (`objectives.accuracy.limit`). */
export function checkAllLimits(metrics: Metrics, objectives: Objectives): LimitCheck {
  const pre = checkHardLimits(metrics, objectives);
  const a = objectives.accuracy.limit;
  if (a !== undefined && metrics.accuracy < a)
    pre.violations.push(`accuracy ${metrics.accuracy} < limit ${a}`);
  return { feasible: pre.violations.length === 0, violations: pre.violations };
}

/**
 * The reward. MnasNet: `acc × Π (m/T_m)^{w_m}` over the cost objectives with a target, where
 * soft mode uses w = −weight on both sides of the target and hard mode uses w = 0 at or under
 * it and w = −1 over it. ReLU-penalty: `acc − Σ λ_m·max(0, m/T_m − 1)` (mode is ignored).
 * Objectives without a target are reported but not in the reward; accuracy is the base term and
 * its target is unused. An infeasible candidate (a limit violated) gets `reward.floor`.
 */
export function computeReward(metrics: Metrics, objectives: Objectives, reward: RewardSpec): RewardResult {
  checkFinite('accuracy', metrics.accuracy);
  const limits = checkAllLimits(metrics, objectives);
  const terms: Record<string, number> = { accuracy: metrics.accuracy };
  let value = metrics.accuracy;
  for (const name of COST_NAMES) {
    const o = objectives[name];
    if (o.target === undefined) continue;
    const m = metrics[name];
    if (m === undefined) throw new Error(`objectives.${name}.target is set but metric ${name} is missing`);
    if (m < 0) throw new Error(`metric ${name} must be >= 0, got ${m}`);
    const ratio = m / o.target;
    if (reward.form === 'mnasnet') {
      const w = o.mode === 'soft' ? -o.weight : ratio <= 1 ? 0 : -1;
      const factor = ratio === 0 && w < 0 ? 1 : ratio ** w;
      terms[name] = factor;
      value *= factor;
    } else {
      const pen = o.penalty * Math.max(0, ratio - 1);
      terms[name] = pen;
      value -= pen;
    }
  }
  terms.formula = value;
  return {
    reward: limits.feasible ? value : reward.floor,
    feasible: limits.feasible,
    violations: limits.violations,
    terms,
    metrics: { ...metrics },
  };
}
