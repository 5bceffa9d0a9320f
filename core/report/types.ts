// What the report reads: the parts of results.json, spec.json and dataset.json it shows.
import type { Evaluation } from '../engine/evaluation.js';

/** One evaluated candidate as results.json stores it (extra fields are ignored). */
export type ReportEvaluation = Pick<
  Evaluation,
  'cid' | 'iteration' | 'candidate' | 'status' | 'metrics' | 'reward'
> &
  Partial<Pick<Evaluation, 'cached' | 'modelPrefix' | 'training' | 'reason'>>;

export interface ReportIterationPoint {
  iteration: number;
  hypervolume: number;
  bestReward: number | null;
}

export interface ReportResults {
  searchId: string;
  status: string;
  stopReason?: string;
  specHash: string;
  seed: number;
  strategy: string;
  iterations: number;
  candidatesEvaluated: number;
  distinctCandidates?: number;
  trained?: number;
  cached?: number;
  failed?: { cid: string; reason?: string }[];
  infeasible?: number;
  objectives?: readonly string[];
  paretoFront: ReportEvaluation[];
  best?: { reward?: { cid: string } | null; [objective: string]: unknown };
  hypervolume: { perIteration: ReportIterationPoint[]; [extra: string]: unknown };
  versions: Record<string, string | null | undefined>;
  backend?: string | null;
  /** Anything else results.json grows (cost, timings...) is shown as provenance. */
  [extra: string]: unknown;
}

export interface ReportDataset {
  uri?: string;
  shape?: readonly number[];
  numClasses?: number;
  sizes?: Record<string, number>;
}

/** Relative links (from report.html) to a candidate's files. */
export interface CandidateLinks {
  model?: string;
  scaleSimCfg?: string;
  topologyCsv?: string;
  /** pe-array: the documented configuration and the per-layer latency and energy. */
  peArrayConfig?: string;
  layerBreakdown?: string;
}

/** One layer of a front member's simulation, as the report's per-layer breakdown shows it. */
export interface ReportLayer {
  name: string;
  cycles: number;
  stallCycles: number;
  energyPJ: number;
  utilizationPct?: number;
}

export interface ReportInput {
  results: ReportResults;
  /** The validated spec, shown as pretty JSON. */
  spec: unknown;
  dataset?: ReportDataset;
  /** Every evaluation of the search; those not on the front are drawn as dim marks. */
  evaluations?: readonly ReportEvaluation[];
  /**
   * Links per front cid. When absent, a candidate with a modelPrefix links `models/{cid}/model.json`
   * and a systolic one links `configs/{cid}/scalesim.cfg` and `topology.csv`.
   */
  links?: Readonly<Record<string, CandidateLinks>>;
  /** Training loss as [step, loss] per trained cid (TrainResult.lossCurve). */
  lossCurves?: Readonly<Record<string, readonly (readonly [number, number])[]>>;
  /** The simulator's layers per front cid. */
  layers?: Readonly<Record<string, readonly ReportLayer[]>>;
  /** The controller's mean normalized entropy after each iteration (policies with logits only). */
  entropy?: readonly { iteration: number; entropy: number }[];
}
