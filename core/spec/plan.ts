// The shape of the loop a spec asks for. Multi-trial strategies run `iterations` batches;
// AutoHAS trains a supernet in chunks, then retrains its top-k in one batch.
import { AutohasSpec, type SearchSpec } from './schema.js';

export interface SupernetPlan extends AutohasSpec {
  /** SupernetChunk invocations needed. */
  chunks: number;
  /** Examples per supernet batch. */
  batchSize: number;
  valBatchSize: number;
  warmupSteps: number;
}

export interface SearchPlan {
  /** Iterations of the sample → evaluate → update loop. */
  iterations: number;
  /** Candidates proposed per iteration. */
  batchSize: number;
  /** Most candidates the loop will evaluate. */
  maxCandidates: number;
  /** The one-shot phase before the loop (strategy `autohas`), else null. */
  supernet: SupernetPlan | null;
}

export function searchPlan(spec: SearchSpec): SearchPlan {
  if (spec.strategy.name !== 'autohas') {
    const { iterations, batchSize } = spec.strategy;
    return {
      iterations,
      batchSize,
      maxCandidates: Math.min(iterations * batchSize, spec.budget.maxCandidates),
      supernet: null,
    };
  }
  const a = AutohasSpec.parse(spec.autohas ?? {});
  const topK = Math.min(a.topK, spec.budget.maxCandidates);
  const batchSize = a.batchSize ?? spec.training.batchSize;
  return {
    iterations: 1,
    batchSize: topK,
    maxCandidates: topK,
    supernet: {
      ...a,
      topK,
      batchSize,
      valBatchSize: a.valBatchSize ?? batchSize,
      warmupSteps: a.warmupSteps ?? Math.floor(a.steps / 2),
      chunks: Math.ceil(a.steps / a.stepsPerChunk),
    },
  };
}
