// Every evaluation of a search as one flat row (like Optuna's trials dataframe): the outcome, the
// metrics, and each decision of the architecture, accelerator and hyper-parameters as its own column.
// One derivation shared by `cosearch results --csv`, and the csv, optuna and mlflow exports.
import type { Evaluation } from '../engine/evaluation.js';

export type Cell = string | number | boolean;

/**
 * The metric columns, in order; a row has those its evaluation measured. `accuracy` and
 * `valAccuracy` are the ones the search ranked (`accuracySource` says which model's); the fp32
 * and post-training quantized ones follow, side by side, for every trained child that has them,
 * with the weight bit width the quantized model used.
 */
export const METRIC_COLUMNS = [
  'accuracy',
  'valAccuracy',
  'fp32Accuracy',
  'fp32ValAccuracy',
  'quantizedAccuracy',
  'quantizedValAccuracy',
  'weightBits',
  'latencyMs',
  'energyMJ',
  'areaMM2',
  'latencyCycles',
  'utilizationPct',
  'params',
  'macs',
] as const;

export type MetricName = (typeof METRIC_COLUMNS)[number];

/** The outcome columns before the metrics. */
export const OUTCOME_COLUMNS = [
  'number',
  'cid',
  'iteration',
  'status',
  'reward',
  'onFront',
  'cached',
] as const;

/** The columns after the decisions. */
export const TAIL_COLUMNS = ['accuracySource', 'trainSeconds', 'stepsDone', 'backend', 'reason'] as const;

/** What a row is made from: an evaluation as results.json and evaluations/iter-k.json store it. */
export type TrialSource = Pick<
  Evaluation,
  'cid' | 'iteration' | 'status' | 'reward' | 'metrics' | 'candidate'
> &
  Partial<Pick<Evaluation, 'cached' | 'training' | 'reason' | 'accuracySource'>>;

export interface TrialRow {
  /** Position in the search: iterations in order, then candidate ids in order (0-based, as Optuna). */
  number: number;
  cid: string;
  iteration: number;
  status: Evaluation['status'];
  reward: number | null;
  onFront: boolean;
  cached: boolean;
  metrics: Partial<Record<MetricName, number>>;
  /** `network.stage1.kernel`, `accelerator.rows`, `hyperparameters.learningRate`, ... */
  params: Record<string, Cell>;
  /** Which model `accuracy` and `valAccuracy` are: 'fp32' or 'quantized' (trained children). */
  accuracySource?: string;
  trainSeconds?: number;
  stepsDone?: number;
  backend?: string;
  reason?: string;
}

/**
 * A candidate's design as dotted columns. Arrays of objects count from 1 under their singular name
 * (`network.stages[0].kernel` is `network.stage1.kernel`, as the search space names it); other
 * arrays are joined with spaces.
 */
export function flattenCandidate(c: Evaluation['candidate']): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  const walk = (v: unknown, path: string): void => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) {
      if (v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
        const dot = path.lastIndexOf('.');
        const stem = path.slice(0, dot + 1) + path.slice(dot + 1).replace(/s$/, '');
        v.forEach((x, i) => {
          walk(x, `${stem}${i + 1}`);
        });
      } else out[path] = v.map(String).join(' ');
      return;
    }
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, `${path}.${k}`);
      return;
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[path] = v;
  };
  walk(c.network, 'network');
  walk(c.accelerator, 'accelerator');
  walk(c.hyperparameters, 'hyperparameters');
  return out;
}

/** One row per evaluation, in the order the search made them. */
export function trialRows(evaluations: readonly TrialSource[], frontCids: ReadonlySet<string>): TrialRow[] {
  const ordered = [...evaluations].sort(
    (a, b) => a.iteration - b.iteration || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0),
  );
  return ordered.map((e, number) => {
    const metrics: TrialRow['metrics'] = {};
    for (const m of METRIC_COLUMNS) {
      const v = e.metrics[m];
      if (typeof v === 'number') metrics[m] = v;
    }
    return {
      number,
      cid: e.cid,
      iteration: e.iteration,
      status: e.status,
      reward: e.reward,
      onFront: frontCids.has(e.cid),
      cached: e.cached === true,
      metrics,
      params: flattenCandidate(e.candidate),
      ...(e.accuracySource ? { accuracySource: e.accuracySource } : {}),
      ...(e.training?.trainSeconds !== undefined ? { trainSeconds: e.training.trainSeconds } : {}),
      ...(e.training?.stepsDone !== undefined ? { stepsDone: e.training.stepsDone } : {}),
      ...(e.training?.backend ? { backend: e.training.backend } : {}),
      ...(e.reason ? { reason: e.reason } : {}),
    };
  });
}

/** Every parameter column over the rows: network, then accelerator, then hyper-parameters, each in first-seen order. */
export function paramColumns(rows: readonly TrialRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.params)) seen.add(k);
  const group = (k: string) =>
    ['network.', 'accelerator.', 'hyperparameters.'].findIndex((g) => k.startsWith(g));
  return [...seen].sort((a, b) => group(a) - group(b));
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as CSV: outcome, metrics, every decision column, then training figures and the reason. */
export function trialsCsv(rows: readonly TrialRow[]): string {
  const params = paramColumns(rows);
  const header = [...OUTCOME_COLUMNS, ...METRIC_COLUMNS, ...params, ...TAIL_COLUMNS];
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) {
    const cells: unknown[] = [
      r.number,
      r.cid,
      r.iteration,
      r.status,
      r.reward,
      r.onFront,
      r.cached,
      ...METRIC_COLUMNS.map((m) => r.metrics[m]),
      ...params.map((p) => r.params[p]),
      r.accuracySource,
      r.trainSeconds,
      r.stepsDone,
      r.backend,
      r.reason,
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
