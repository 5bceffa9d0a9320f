// The metrics the loop's steps emit (namespace METRICS_NAMESPACE, dimension `service` only; the
// search, candidate and iteration ride along as EMF properties, which Logs Insights can query
// without making a metric per search). Read after the step, from what it stored.
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { z } from 'zod';
import type { Evaluation } from '../../core/engine/evaluation.js';
import { THROTTLED } from '../../core/engine/fail.js';
import { keys } from '../../core/engine/keys.js';
import type { StepContext, TrainingRecord } from '../../core/engine/state.js';
import { tryGetJson } from '../../core/store/json.js';
import type { STEPS, StepName } from './steps-table.js';

export type EventOf<N extends StepName> = z.infer<(typeof STEPS)[N]['event']>;
export type ResultOf<N extends StepName> = Awaited<ReturnType<(typeof STEPS)[N]['step']>>;

export interface StepMetrics<E, R> {
  /** After a successful step. */
  ok?: (ctx: StepContext, event: E, result: R, metrics: Metrics) => Promise<void>;
  /** After a step threw (the event may not have passed validation). */
  failed?: (event: unknown, error: Error, metrics: Metrics) => void;
}

/** Metric names, one place: infra/README.md lists them. */
export const METRIC = {
  trainSeconds: 'TrainSeconds',
  testAccuracy: 'TestAccuracy',
  examplesPerSecond: 'TrainExamplesPerSecond',
  childrenTrained: 'ChildrenTrained',
  childTrainingFailed: 'ChildTrainingFailed',
  childCacheHits: 'ChildCacheHits',
  childrenEvaluated: 'ChildrenEvaluated',
  childrenFailed: 'ChildrenFailed',
  childrenThrottled: 'ChildrenThrottled',
  childrenInfeasible: 'ChildrenInfeasible',
} as const;

const ids = (m: Metrics, e: { searchId: string; iteration: number; cid?: string }) => {
  m.addMetadata('searchId', e.searchId);
  m.addMetadata('iteration', String(e.iteration));
  if (e.cid) m.addMetadata('candidateId', e.cid);
};

const trainChild: StepMetrics<EventOf<'trainChild'>, ResultOf<'trainChild'>> = {
  // One child's training, once it is done (a chunked child reports on its last chunk).
  async ok(ctx, event, result, m) {
    if (!result.done) return;
    const record = await tryGetJson<TrainingRecord>(
      ctx.store,
      keys.training(event.searchId, event.iteration, event.cid),
    );
    if (!record) return;
    ids(m, event);
    m.addMetadata('status', record.status);
    if (record.cached) {
      m.addMetric(METRIC.childCacheHits, 'Count', 1);
      return;
    }
    m.addMetadata('backend', record.backend);
    if (record.status === 'failed') {
      m.addMetadata('reason', (record.reason ?? '').slice(0, 300));
      m.addMetric(METRIC.childTrainingFailed, 'Count', 1);
      return;
    }
    m.addMetric(METRIC.childrenTrained, 'Count', 1);
    m.addMetric(METRIC.trainSeconds, 'Seconds', record.trainSeconds);
    m.addMetric(METRIC.testAccuracy, 'Percent', 100 * record.testAccuracy);
    m.addMetric(METRIC.examplesPerSecond, 'Count/Second', record.examplesPerSec);
  },
  // A crash (the Map's Catch records the child as failed); Lambda's own Errors metric counts it too.
  failed(event, error, m) {
    const e = event as Partial<EventOf<'trainChild'>>;
    if (typeof e.searchId === 'string' && typeof e.iteration === 'number') ids(m, e as EventOf<'trainChild'>);
    m.addMetadata('error', error.name);
    m.addMetric(METRIC.childTrainingFailed, 'Count', 1);
  },
};

const updatePolicy: StepMetrics<EventOf<'updatePolicy'>, ResultOf<'updatePolicy'>> = {
  // One iteration's children as UpdatePolicy recorded them: crashes, timeouts and throttles that
  // never reached TrainChild included, and also for a Distributed Map, whose results are discarded.
  async ok(ctx, event, _result, m) {
    const rec = await tryGetJson<{ evaluations: Evaluation[] }>(
      ctx.store,
      keys.evaluations(event.searchId, event.iteration),
    );
    if (!rec) return;
    const ev = rec.evaluations;
    const failed = ev.filter((e) => e.status === 'failed');
    ids(m, event);
    m.addMetric(METRIC.childrenEvaluated, 'Count', ev.length);
    m.addMetric(METRIC.childrenFailed, 'Count', failed.length);
    m.addMetric(
      METRIC.childrenThrottled,
      'Count',
      failed.filter((e) => e.reason?.startsWith(`${THROTTLED}:`)).length,
    );
    m.addMetric(METRIC.childrenInfeasible, 'Count', ev.filter((e) => e.status === 'infeasible').length);
  },
};

/** The steps that emit metrics of their own (every function also has Lambda's: Errors, Throttles...). */
export const STEP_METRICS: { [N in StepName]?: StepMetrics<EventOf<N>, ResultOf<N>> } = {
  trainChild,
  updatePolicy,
};
