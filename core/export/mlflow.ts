// A search as MLflow runs: the directory layout of MLflow's file store (`mlruns/`), which
// `mlflow ui --backend-store-uri ./mlruns` and `mlflow.search_runs` read. One experiment per search,
// one run per evaluation (numbered as `cosearch results --csv --all`):
//   {experiment}/meta.yaml                    the experiment (name: cosearch-{searchId})
//   {experiment}/{run}/meta.yaml              status FINISHED (trained) or FAILED, start and end time
//   {experiment}/{run}/params/{decision}      each decision of the network, accelerator and hyper-parameters
//   {experiment}/{run}/metrics/{metric}       "timestamp value step" lines (accuracy, fp32Accuracy,
//                                             quantizedAccuracy, ... latencyMs); training_loss per step
//   {experiment}/{run}/tags/{tag}             mlflow.runName, cosearch.cid, status, iteration, reason
//   {experiment}/{run}/artifacts/candidate.json   the candidate's design and outcome
// cosearch does not record when each child ran: runs start when the search started and end their
// training time later. Ids are derived from the search id, so exporting again rewrites the same files.
import { hashOf } from '../hash.js';
import { isTrained } from '../search/outcome.js';
import type { SearchExport } from './collect.js';
import { METRIC_COLUMNS } from './trials.js';

export interface ExportFile {
  /** Relative to the mlruns directory. */
  path: string;
  content: string;
}

/** MLflow's RunStatus and SourceType (LOCAL). */
const FINISHED = 3;
const FAILED = 4;
const SOURCE_LOCAL = 4;

/** One flat YAML mapping: strings quoted when YAML would read them as something else. */
function yaml(fields: Record<string, string | number | readonly never[]>): string {
  const value = (v: string | number | readonly never[]): string => {
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') return '[]';
    return /^[\w./:-]+$/.test(v) && !/^\d+$/.test(v) ? v : `'${v.replace(/'/g, "''")}'`;
  };
  return `${Object.entries(fields)
    .map(([k, v]) => `${k}: ${value(v)}`)
    .join('\n')}\n`;
}

/** A numeric experiment id for the search (MLflow's file store names experiments by number). */
export function experimentIdOf(searchId: string): string {
  return String(Number.parseInt(hashOf({ mlflowExperiment: searchId }, 12), 16));
}

/** MLflow file and tag names may not contain "/" outside the tag namespace. */
const safe = (name: string) => name.replace(/[^\w.\- ]/g, '_');

/** Every file of the export; `rootUri` is the absolute file:// URI of the mlruns directory. */
export function mlflowRuns(x: SearchExport, rootUri: string): ExportFile[] {
  const exp = experimentIdOf(x.searchId);
  const t0 = Date.parse(x.state.startedAt);
  const t1 = Date.parse(x.state.updatedAt);
  const root = rootUri.replace(/\/$/, '');
  const files: ExportFile[] = [
    {
      path: `${exp}/meta.yaml`,
      content: yaml({
        artifact_location: `${root}/${exp}`,
        creation_time: t0,
        experiment_id: exp,
        last_update_time: t1,
        lifecycle_stage: 'active',
        name: `cosearch-${x.searchId}`,
      }),
    },
  ];
  for (const r of x.rows) {
    const run = hashOf({ mlflowRun: x.searchId, number: r.number }, 32);
    const dir = `${exp}/${run}`;
    const end = t0 + Math.round(1000 * (r.trainSeconds ?? 0));
    const trained = isTrained(r.status);
    const name = `trial-${r.number}-${r.cid}`;
    files.push({
      path: `${dir}/meta.yaml`,
      content: yaml({
        artifact_uri: `${root}/${dir}/artifacts`,
        end_time: end,
        entry_point_name: '',
        experiment_id: exp,
        lifecycle_stage: 'active',
        run_id: run,
        run_name: name,
        run_uuid: run,
        source_name: '',
        source_type: SOURCE_LOCAL,
        source_version: '',
        start_time: t0,
        status: trained ? FINISHED : FAILED,
        tags: [],
        user_id: 'cosearch',
      }),
    });
    for (const [p, v] of Object.entries(r.params))
      files.push({ path: `${dir}/params/${safe(p)}`, content: String(v) });
    const metric = (m: string, lines: [number, number][]) =>
      files.push({
        path: `${dir}/metrics/${safe(m)}`,
        content: `${lines.map(([v, step]) => `${end} ${v} ${step}`).join('\n')}\n`,
      });
    for (const m of METRIC_COLUMNS) {
      const v = r.metrics[m];
      if (v !== undefined) metric(m, [[v, 0]]);
    }
    if (r.reward !== null) metric('reward', [[r.reward, 0]]);
    if (r.trainSeconds !== undefined) metric('trainSeconds', [[r.trainSeconds, 0]]);
    const curve = x.lossCurves[r.cid];
    if (curve?.length)
      metric(
        'training_loss',
        curve.map(([step, loss]) => [loss, step]),
      );
    const tags: Record<string, string> = {
      'mlflow.runName': name,
      'mlflow.user': 'cosearch',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.name': 'cosearch',
      'cosearch.searchId': x.searchId,
      'cosearch.cid': r.cid,
      'cosearch.iteration': String(r.iteration),
      'cosearch.status': r.status,
      'cosearch.onFront': String(r.onFront),
      'cosearch.cached': String(r.cached),
      ...(r.accuracySource ? { 'cosearch.accuracySource': r.accuracySource } : {}),
      ...(r.reason ? { 'cosearch.reason': r.reason } : {}),
    };
    for (const [k, v] of Object.entries(tags)) files.push({ path: `${dir}/tags/${k}`, content: v });
    files.push({
      path: `${dir}/artifacts/candidate.json`,
      content: `${JSON.stringify({ cid: r.cid, iteration: r.iteration, status: r.status, reward: r.reward, metrics: r.metrics, params: r.params, lossCurve: curve ?? null }, null, 1)}\n`,
    });
  }
  return files;
}
