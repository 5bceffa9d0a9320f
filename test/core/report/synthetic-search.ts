// A finished search without training: real candidates from the default space, real accelerator
// simulation, synthetic accuracies. Written to a store and finalized by the real finalizeResults,
// so results.json has exactly the shape a run produces.
import { simulateNetwork } from '../../../core/accelerator/index.js';
import type { Evaluation } from '../../../core/engine/evaluation.js';
import { keys } from '../../../core/engine/keys.js';
import { finalizeResults } from '../../../core/engine/results.js';
import { newSearchState, type SearchState } from '../../../core/engine/state.js';
import { summarizeNetwork } from '../../../core/network/summary.js';
import { Rng } from '../../../core/rng.js';
import { SearchSpace } from '../../../core/space/encoding.js';
import { SearchSpec, type SearchSpecInput } from '../../../core/spec/schema.js';
import { putJson } from '../../../core/store/json.js';
import type { Store } from '../../../core/store/store.js';

export interface SyntheticOptions {
  iterations?: number;
  batch?: number;
  seed?: number;
  spec?: Partial<SearchSpecInput>;
  /** Every k-th candidate fails with this reason (k = failEvery). */
  failEvery?: number;
  failReason?: string;
}

export async function writeSyntheticSearch(store: Store, searchId: string, o: SyntheticOptions = {}) {
  const iterations = o.iterations ?? 4;
  const batch = o.batch ?? 8;
  const seed = o.seed ?? 11;
  const spec = SearchSpec.parse({
    name: 'synthetic',
    strategy: { name: 'random', iterations, batchSize: batch, seed },
    ...o.spec,
  });
  const space = new SearchSpace(spec);
  const dataset = {
    uri: 'builtin:digits',
    shape: [8, 8, 1] as [number, number, number],
    numClasses: 10,
    sizes: { train: 1257, validation: 270, test: 270 },
  };
  await putJson(store, keys.spec(searchId), spec);
  await putJson(store, keys.dataset(searchId), dataset);
  const rng = Rng.fromSeed(seed);
  let n = 0;
  for (let k = 1; k <= iterations; k++) {
    const evaluations: Evaluation[] = [];
    for (let i = 0; i < batch; i++) {
      n++;
      const cand = space.sample(rng);
      const summary = summarizeNetwork(cand.network, dataset.shape, dataset.numClasses);
      const hw = simulateNetwork(summary, cand.accelerator);
      // Bigger networks score higher, with noise: enough spread for a non-trivial front.
      const acc = Math.min(0.99, 0.55 + 0.08 * Math.log10(summary.params) + 0.05 * rng.normal());
      const failed = o.failEvery !== undefined && n % o.failEvery === 0;
      evaluations.push({
        cid: cand.id,
        iteration: k,
        tokens: cand.tokens,
        candidate: {
          network: cand.network,
          accelerator: cand.accelerator,
          hyperparameters: cand.hyperparameters,
        },
        status: failed ? 'failed' : 'ok',
        cached: false,
        violations: [],
        metrics: {
          latencyMs: hw.latencyMs,
          energyMJ: hw.energyMJ,
          areaMM2: hw.areaMM2,
          latencyCycles: hw.latencyCycles,
          utilizationPct: hw.utilizationPct,
          params: summary.params,
          macs: summary.macs,
          // As a real search scores them: the reward reads the int8 model, the fp32 one beside it.
          ...(failed
            ? {}
            : {
                accuracy: acc,
                valAccuracy: acc - 0.01,
                quantizedAccuracy: acc,
                fp32Accuracy: Math.min(1, acc + 0.004),
                weightBits: 8,
              }),
        },
        reward: failed ? null : acc * (hw.latencyMs / 0.05) ** -0.07,
        ...(failed
          ? { reason: o.failReason ?? 'NaN loss at step 3' }
          : {
              training: { trainSeconds: 1, examplesPerSec: 100, stepsDone: 5, backend: 'cpu+js' },
              modelPrefix: keys.model(searchId, cand.id),
            }),
      });
    }
    evaluations.sort((a, b) => (a.cid < b.cid ? -1 : 1));
    await putJson(store, keys.evaluations(searchId, k), { evaluations });
    // What TrainChild and UpdatePolicy leave beside them: loss curves, and logits that sharpen.
    for (const e of evaluations)
      if (e.status === 'ok') {
        const start = 2.3 + 0.1 * rng.normal();
        const end = 0.1 + 0.4 * rng.next();
        const lossCurve: [number, number][] = Array.from({ length: 20 }, (_, i) => [
          (i + 1) * 3,
          end + (start - end) * Math.exp(-i / 5) + 0.03 * rng.normal(),
        ]);
        await putJson(store, keys.training(searchId, k, e.cid), {
          cid: e.cid,
          status: 'ok',
          testAccuracy: e.metrics.accuracy,
          valAccuracy: e.metrics.valAccuracy,
          trainSeconds: 1,
          examplesPerSec: 100,
          stepsDone: 60,
          params: e.metrics.params,
          macs: e.metrics.macs,
          backend: 'cpu+js',
          lossCurve,
        });
      }
    await putJson(store, keys.policy(searchId, k), {
      version: 1,
      iteration: k,
      strategy: {
        logits: space.decisions.map((d) =>
          d.choices.map((_, c) => (c === 0 ? 0.6 * k : 0) + 0.1 * rng.normal()),
        ),
      },
    });
  }
  const state: SearchState = {
    ...newSearchState(spec, searchId, '2026-01-01T00:00:00.000Z'),
    status: 'succeeded',
    iteration: iterations,
  };
  await finalizeResults(store, spec, searchId, state, 'succeeded', 'iterations');
  return { spec, dataset };
}
