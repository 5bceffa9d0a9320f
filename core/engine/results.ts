// results.json: the Pareto front, the best candidates and the provenance of a search.
import { createRequire } from 'node:module';
import { technologyTableHash } from '../accelerator/index.js';
import { type CostOptions, costSoFar, estimateCost } from '../cost/model.js';
import { accuracySource, countOutcomes, isTrained } from '../search/outcome.js';
import { bestPerObjective, type HypervolumeFrame, hypervolume, paretoFront } from '../search/pareto.js';
import { OBJECTIVE_NAMES, type SearchSpec } from '../spec/schema.js';
import { putJson, tryGetJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import type { TopKRecord } from './autohas.js';
import type { Evaluation } from './evaluation.js';
import { keys } from './keys.js';
import { type SearchState, specHashOf } from './state.js';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export const COSEARCH_VERSION = '0.1.0';

/** Frame for searches stored before Init wrote frame.json. */
export const FALLBACK_HV_FRAME: HypervolumeFrame = {
  reference: { accuracy: 0, latencyMs: 100, energyMJ: 100, areaMM2: 100 },
  ideal: { accuracy: 1, latencyMs: 0, energyMJ: 0, areaMM2: 0 },
};

export async function loadEvaluations(
  store: Store,
  searchId: string,
  iterations: number,
): Promise<Evaluation[]> {
  const out: Evaluation[] = [];
  for (let k = 1; k <= iterations; k++) {
    const it = await tryGetJson<{ evaluations: Evaluation[] }>(store, keys.evaluations(searchId, k));
    if (it) out.push(...it.evaluations);
  }
  return out;
}

export async function finalizeResults(
  store: Store,
  spec: SearchSpec,
  searchId: string,
  state: SearchState,
  status: string,
  stopReason: string | undefined,
  cost: CostOptions = {},
): Promise<void> {
  const iterations = state.iteration;
  const frame = (await tryGetJson<HypervolumeFrame>(store, keys.frame(searchId))) ?? FALLBACK_HV_FRAME;
  const all = await loadEvaluations(store, searchId, iterations);
  // One entry per distinct candidate: the first evaluation of it.
  const seen = new Set<string>();
  const distinct = all.filter((e) => !seen.has(e.cid) && seen.add(e.cid));
  const scored = distinct.filter((e) => isTrained(e.status) && e.metrics.accuracy !== undefined);
  const counts = countOutcomes(all);
  const points = scored.map((e) => ({ ...e, id: e.cid }));
  const front = paretoFront(points, OBJECTIVE_NAMES);
  const best = bestPerObjective(points, spec.objectives);
  const byReward = [...scored].sort(
    (a, b) => (b.reward ?? -Infinity) - (a.reward ?? -Infinity) || (a.cid < b.cid ? -1 : 1),
  );
  const perIteration = [];
  for (let k = 1; k <= iterations; k++) {
    const upTo = points.filter((p) => p.iteration <= k);
    const rewards = upTo.flatMap((p) => (p.reward === null ? [] : [p.reward]));
    perIteration.push({
      iteration: k,
      hypervolume: hypervolume(paretoFront(upTo, OBJECTIVE_NAMES), OBJECTIVE_NAMES, frame),
      bestReward: rewards.length ? Math.max(...rewards) : null,
    });
  }
  const results = {
    searchId,
    status,
    ...(stopReason && stopReason !== 'iterations' ? { stopReason } : {}),
    specHash: specHashOf(spec),
    seed: spec.strategy.seed,
    strategy: spec.strategy.name,
    iterations,
    // The same counters as state.json (countOutcomes over every evaluation).
    candidatesEvaluated: counts.candidatesEvaluated,
    distinctCandidates: distinct.length,
    trained: counts.trained,
    cached: counts.cached,
    failed: distinct.filter((e) => e.status === 'failed').map((e) => ({ cid: e.cid, reason: e.reason })),
    infeasible: counts.infeasible,
    objectives: OBJECTIVE_NAMES,
    // Which accuracy the front's `accuracy` is: the fp32 model's or the quantized model's.
    accuracySource: accuracySource(spec.objectives, spec.space.accelerator.template),
    paretoFront: front.map(({ id: _id, ...e }) => e),
    best: {
      reward: byReward[0] ?? null,
      ...Object.fromEntries(Object.entries(best).map(([k, v]) => [k, v ? v.cid : null])),
    },
    hypervolume: {
      frame,
      perIteration,
    },
    versions: {
      cosearch: COSEARCH_VERSION,
      node: process.versions.node,
      tfjs: versionOf('@tensorflow/tfjs-core'),
      technologyTable: technologyTableHash(),
    },
    cost: {
      estimatedUSD: estimateCost(spec, cost).totalUSD,
      actualUSD: costSoFar(spec, state, cost).totalUSD,
      trainSeconds: state.trainSeconds,
    },
    backend: scored.find((e) => e.training)?.training?.backend ?? null,
    ...(await autohasSection(store, spec, searchId, state, distinct)),
  };
  await putJson(store, keys.results(searchId), results);
}

/** AutoHAS: how far the supernet got, its compute, the top-k it handed to the retraining, and how its pick fared. */
async function autohasSection(
  store: Store,
  spec: SearchSpec,
  searchId: string,
  state: SearchState,
  evaluations: readonly Evaluation[],
) {
  if (spec.strategy.name !== 'autohas') return {};
  const topK = await tryGetJson<TopKRecord>(store, keys.supernetTopK(searchId));
  const verdict = autohasVerdict(topK, state.supernet?.valAccuracy ?? null, evaluations);
  return {
    autohas: {
      supernet: state.supernet ?? null,
      hpMode: topK?.hpMode ?? null,
      final: topK?.final ?? 'retrain',
      topK: topK?.topK ?? [],
      ...(topK?.defaultHp ? { defaultHp: topK.defaultHp } : {}),
      ...verdict,
    },
  };
}

/** A supernet whose shared weights score below this share of a trained child's accuracy ranks badly. */
const UNTRUSTED_SUPERNET_RATIO = 0.75;

interface Scored {
  cid: string;
  valAccuracy: number;
  testAccuracy: number;
}

/**
 * AutoHAS's pick (its best retrained top-k candidate by validation accuracy) against the same
 * architecture with the default hyper-parameters, and plain-words warnings when the supernet's
 * rewards cannot be trusted or the defaults did better.
 */
export function autohasVerdict(
  topK: TopKRecord | undefined,
  supernetValAccuracy: number | null,
  evaluations: readonly Evaluation[],
): {
  comparison?: { autohas: Scored; defaultHp: Scored | null };
  /** The search's output: the pick or the default-hp twin, whichever validates better (ties: the pick). */
  output?: Scored & { source: 'autohas' | 'defaultHp' };
  warnings: string[];
} {
  const byCid = new Map(evaluations.map((e) => [e.cid, e]));
  const scoredOf = (cid: string): Scored | undefined => {
    const e = byCid.get(cid);
    if (!e || !isTrained(e.status) || e.metrics.valAccuracy === undefined || e.metrics.accuracy === undefined)
      return undefined;
    return { cid, valAccuracy: e.metrics.valAccuracy, testAccuracy: e.metrics.accuracy };
  };
  const picks = (topK?.topK ?? []).flatMap((t) => scoredOf(t.cid) ?? []);
  const pick = picks.reduce<Scored | undefined>(
    (b, p) => (!b || p.valAccuracy > b.valAccuracy ? p : b),
    undefined,
  );
  const base = topK?.defaultHp ? (scoredOf(topK.defaultHp.cid) ?? null) : null;
  const warnings: string[] = [];
  const reference = Math.max(pick?.valAccuracy ?? 0, base?.valAccuracy ?? 0);
  if (
    supernetValAccuracy !== null &&
    reference > 0 &&
    supernetValAccuracy < UNTRUSTED_SUPERNET_RATIO * reference
  )
    warnings.push(
      `The supernet's shared weights reached only ${supernetValAccuracy.toFixed(3)} validation accuracy, against ${reference.toFixed(3)} for a trained child: its rewards cannot be trusted, so its choice of hyper-parameters may be wrong. Give it more steps (autohas.steps).`,
    );
  if (pick && base && base.valAccuracy > pick.valAccuracy)
    warnings.push(
      `The default hyper-parameters did better than AutoHAS's pick on the same architecture (validation ${base.valAccuracy.toFixed(3)} against ${pick.valAccuracy.toFixed(3)}; test ${base.testAccuracy.toFixed(3)} against ${pick.testAccuracy.toFixed(3)}): use candidate ${base.cid}.`,
    );
  const output =
    pick && base && base.valAccuracy > pick.valAccuracy
      ? { ...base, source: 'defaultHp' as const }
      : pick
        ? { ...pick, source: 'autohas' as const }
        : undefined;
  return {
    ...(pick ? { comparison: { autohas: pick, defaultHp: base } } : {}),
    ...(output ? { output } : {}),
    warnings,
  };
}
