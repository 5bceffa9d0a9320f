// A search as an Optuna study: the lines of a JournalStorage file (Optuna ≥ 3.1), which
// `optuna.load_study(storage=JournalStorage(JournalFileStorage(path)))` and optuna-dashboard read.
//
// One study, multi-objective like the search's Pareto front: values are [accuracy, latencyMs,
// energyMJ, areaMM2] with directions maximize, minimize, minimize, minimize (accuracy is the one the
// search ranked; the fp32 and quantized accuracies are user attributes beside it). Each evaluation is a
// trial, numbered as `cosearch results --csv --all` numbers them: trained children COMPLETE, failed
// and infeasible ones FAIL (their reason in user_attrs). Every decision is a categorical parameter
// over the values the search tried; the loss curve is the trial's intermediate values. cosearch
// does not record when each child ran, so every trial starts when the search started and completes
// its training time later.
import { isTrained } from '../search/outcome.js';
import type { SearchExport } from './collect.js';
import { type Cell, METRIC_COLUMNS, paramColumns } from './trials.js';

/** Optuna's journal operation codes (optuna/storages/_journal/storage.py, JournalOperation). */
const OP = { createStudy: 0, setStudyUserAttr: 2, createTrial: 4 } as const;
/** optuna.study.StudyDirection and optuna.trial.TrialState. */
const MINIMIZE = 1;
const MAXIMIZE = 2;
const COMPLETE = 1;
const FAIL = 3;

export const OPTUNA_OBJECTIVES = ['accuracy', 'latencyMs', 'energyMJ', 'areaMM2'] as const;
const DIRECTIONS = [MAXIMIZE, MINIMIZE, MINIMIZE, MINIMIZE];
const WORKER = 'cosearch-export';

/** Python's datetime.isoformat() without a zone (what the journal stores and fromisoformat reads). */
function isoNaive(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('Z', '')
    .replace(/\.(\d{3})$/, '.$1000');
}

/** Choices of each parameter: every value the search tried, numbers ascending, others as text. */
function choicesOf(x: SearchExport): Map<string, Cell[]> {
  const out = new Map<string, Cell[]>();
  for (const p of paramColumns(x.rows)) {
    const seen = [...new Set(x.rows.flatMap((r) => (r.params[p] === undefined ? [] : [r.params[p]!])))];
    seen.sort((a, b) =>
      typeof a === 'number' && typeof b === 'number'
        ? a - b
        : String(a) < String(b)
          ? -1
          : String(a) > String(b)
            ? 1
            : 0,
    );
    out.set(p, seen);
  }
  return out;
}

/** The journal's lines (JSON, one per line, newline-terminated): study, its attributes, the trials. */
export function optunaJournal(x: SearchExport, studyName = x.searchId): string {
  const lines: unknown[] = [
    { op_code: OP.createStudy, worker_id: WORKER, study_name: studyName, directions: DIRECTIONS },
  ];
  const studyAttrs: Record<string, unknown> = {
    cosearch_search_id: x.searchId,
    strategy: x.results.strategy,
    seed: x.results.seed,
    spec_hash: x.results.specHash,
    status: x.results.status,
    objectives: OPTUNA_OBJECTIVES,
  };
  for (const [k, v] of Object.entries(studyAttrs))
    lines.push({ op_code: OP.setStudyUserAttr, worker_id: WORKER, study_id: 0, user_attr: { [k]: v } });
  const choices = choicesOf(x);
  const distributions = Object.fromEntries(
    [...choices].map(([p, c]) => [
      p,
      JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: c } }),
    ]),
  );
  const t0 = Date.parse(x.state.startedAt);
  for (const r of x.rows) {
    const values = OPTUNA_OBJECTIVES.map((o) => r.metrics[o]);
    const complete = isTrained(r.status) && values.every((v) => typeof v === 'number');
    const params: Record<string, number> = {};
    const dists: Record<string, string> = {};
    for (const [p, v] of Object.entries(r.params)) {
      params[p] = choices.get(p)!.indexOf(v);
      dists[p] = distributions[p]!;
    }
    const userAttrs: Record<string, unknown> = {
      cid: r.cid,
      iteration: r.iteration,
      status: r.status,
      reward: r.reward,
      on_front: r.onFront,
      cached: r.cached,
      ...Object.fromEntries(
        METRIC_COLUMNS.flatMap((m) => (r.metrics[m] === undefined ? [] : [[m, r.metrics[m]]])),
      ),
      ...(r.accuracySource ? { accuracy_source: r.accuracySource } : {}),
      ...(r.trainSeconds === undefined ? {} : { train_seconds: r.trainSeconds }),
      ...(r.backend ? { backend: r.backend } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
    };
    lines.push({
      op_code: OP.createTrial,
      worker_id: WORKER,
      study_id: 0,
      datetime_start: isoNaive(t0),
      datetime_complete: isoNaive(t0 + 1000 * (r.trainSeconds ?? 0)),
      state: complete ? COMPLETE : FAIL,
      ...(complete ? { values } : {}),
      params,
      distributions: dists,
      user_attrs: userAttrs,
      system_attrs: {},
      intermediate_values: Object.fromEntries(
        (x.lossCurves[r.cid] ?? []).map(([step, loss]) => [String(step), loss]),
      ),
    });
  }
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}
