// Everything an export needs from a stored search: its results, every evaluation as a trial row,
// and the loss curves TrainChild kept. Read once, shared by the csv, optuna and mlflow writers.
import type { Evaluation } from '../engine/evaluation.js';
import { keys } from '../engine/keys.js';
import { loadEvaluations } from '../engine/results.js';
import type { SearchState, TrainingRecord } from '../engine/state.js';
import { isTrained } from '../search/outcome.js';
import { getJson, tryGetJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import { type TrialRow, type TrialSource, trialRows } from './trials.js';

export interface SearchExport {
  searchId: string;
  spec: { name?: string; [k: string]: unknown };
  state: SearchState;
  results: {
    status: string;
    strategy: string;
    seed: number;
    specHash: string;
    iterations: number;
    paretoFront: Evaluation[];
    [k: string]: unknown;
  };
  rows: TrialRow[];
  /** [step, loss] per trained cid. */
  lossCurves: Record<string, [number, number][]>;
}

/** The loss curve each trained candidate's training record kept (its first record). */
export async function lossCurves(
  store: Store,
  searchId: string,
  evaluations: readonly TrialSource[],
): Promise<Record<string, [number, number][]>> {
  const out: Record<string, [number, number][]> = {};
  for (const e of evaluations) {
    if (out[e.cid] || !isTrained(e.status)) continue;
    const rec = await tryGetJson<TrainingRecord>(store, keys.training(searchId, e.iteration, e.cid));
    if (rec?.lossCurve?.length) out[e.cid] = rec.lossCurve;
  }
  return out;
}

/** A finished (or stopped) search, ready to export; undefined when it has no results.json yet. */
export async function collectSearch(store: Store, searchId: string): Promise<SearchExport | undefined> {
  const results = await tryGetJson<SearchExport['results']>(store, keys.results(searchId));
  if (!results) return undefined;
  const spec = await getJson<SearchExport['spec']>(store, keys.spec(searchId));
  const state = await getJson<SearchState>(store, keys.state(searchId));
  const evaluations = await loadEvaluations(store, searchId, results.iterations);
  const rows = trialRows(evaluations, new Set(results.paretoFront.map((e) => e.cid)));
  return { searchId, spec, state, results, rows, lossCurves: await lossCurves(store, searchId, evaluations) };
}
