// writeReport: report.html next to results.json, plus the design files its table links to.
import { designFiles, simulateNetwork, technologyOfSpec } from '../accelerator/index.js';
import { lossCurves } from '../export/collect.js';
import { summarizeNetwork } from '../network/summary.js';
import { meanNormalizedEntropy } from '../report/entropy.js';
import { type CandidateLinks, defaultLinks, type ReportResults, renderReport } from '../report/index.js';
import type { ReportDataset, ReportEvaluation, ReportLayer } from '../report/types.js';
import { getJson, tryGetJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import { keys } from './keys.js';
import { loadEvaluations } from './results.js';
import type { AcceleratorRecord, DatasetInfo } from './state.js';

export interface WrittenReport {
  reportKey: string;
  /** Keys of the SCALE-Sim .cfg and topology CSV files written for systolic front members. */
  configKeys: string[];
}

/** Where a front member's exported files go (core/accelerator designFiles names them), as store keys. */
export const configFiles = (searchId: string, cid: string) => ({
  cfg: `${keys.root(searchId)}configs/${cid}/scalesim.cfg`,
  topology: `${keys.root(searchId)}configs/${cid}/topology.csv`,
  latency: `${keys.root(searchId)}configs/${cid}/latency.json`,
  peArray: `${keys.root(searchId)}configs/${cid}/pe-array.json`,
  layers: `${keys.root(searchId)}configs/${cid}/layers.json`,
});

/**
 * Reads results.json, spec.json and dataset.json of a finished search and writes report.html and,
 * for each front member, its template's files under configs/{cid}/: scalesim.cfg, topology.csv
 * and latency.json (the latency split into the array part SCALE-Sim reproduces and the vector
 * part it does not) for systolic; pe-array.json (the documented configuration) and layers.json
 * (per-layer latency and energy) for pe-array. Idempotent.
 */
export async function writeReport(store: Store, searchId: string): Promise<WrittenReport> {
  const results = await getJson<ReportResults>(store, keys.results(searchId));
  const spec = await getJson<unknown>(store, keys.spec(searchId));
  const dataset = await tryGetJson<DatasetInfo>(store, keys.dataset(searchId));
  const evaluations: ReportEvaluation[] = await loadEvaluations(store, searchId, results.iterations);

  const links: Record<string, CandidateLinks> = {};
  const layers: Record<string, ReportLayer[]> = {};
  const configKeys: string[] = [];
  const technology = technologyOfSpec(spec);
  for (const e of results.paretoFront) {
    const all = defaultLinks(e);
    const l: CandidateLinks = all.model ? { model: all.model } : {};
    const acc = e.candidate.accelerator;
    // Re-simulated on the tier the search recorded, so the layers and the latency parts add up to
    // its figures; the topology needs the input shape, so without dataset.json there is neither.
    const summary = dataset
      ? summarizeNetwork(e.candidate.network, dataset.shape, dataset.numClasses)
      : undefined;
    let sim: ReturnType<typeof simulateNetwork> | undefined;
    if (summary && acc) {
      const rec = await tryGetJson<AcceleratorRecord>(store, keys.accelerator(searchId, e.iteration, e.cid));
      sim = simulateNetwork(summary, acc, rec?.metrics?.tier === 'exact' ? 'exact' : 'fast', { technology });
      layers[e.cid] = sim.layers.map((x) => ({
        name: x.name,
        cycles: x.cycles,
        stallCycles: x.stallCycles,
        energyPJ: x.energyPJ,
        ...(x.utilizationPct === undefined ? {} : { utilizationPct: x.utilizationPct }),
      }));
    }
    if (acc) {
      // Without dataset.json only the configuration is written (and linked).
      const run = summary && sim ? { network: summary, metrics: sim } : undefined;
      for (const f of designFiles(acc, `${searchId}-${e.cid}`, run, technology)) {
        const key = `${keys.root(searchId)}configs/${e.cid}/${f.name}`;
        await store.put(key, f.content);
        configKeys.push(key);
      }
      if (acc.template === 'systolic') {
        l.scaleSimCfg = all.scaleSimCfg;
        if (run) l.topologyCsv = all.topologyCsv;
      } else {
        l.peArrayConfig = all.peArrayConfig;
        if (run) l.layerBreakdown = all.layerBreakdown;
      }
    }
    links[e.cid] = l;
  }

  const html = renderReport({
    results,
    spec,
    evaluations,
    links,
    layers,
    lossCurves: await lossCurves(store, searchId, evaluations),
    entropy: await policyEntropy(store, searchId, results.iterations),
    ...(dataset ? { dataset: dataset as ReportDataset } : {}),
  });
  await store.put(keys.report(searchId), html);
  return { reportKey: keys.report(searchId), configKeys };
}

/** The controller's mean normalized entropy after each iteration, for strategies with logits. */
async function policyEntropy(
  store: Store,
  searchId: string,
  iterations: number,
): Promise<{ iteration: number; entropy: number }[]> {
  const out: { iteration: number; entropy: number }[] = [];
  for (let k = 0; k <= iterations; k++) {
    const p = await tryGetJson<{ strategy?: { logits?: unknown } }>(store, keys.policy(searchId, k));
    const logits = p?.strategy?.logits;
    if (!Array.isArray(logits) || !logits.every((row) => Array.isArray(row))) continue;
    const h = meanNormalizedEntropy(logits as number[][]);
    if (h !== null) out.push({ iteration: k, entropy: h });
  }
  return out;
}
