// The exports carry the fp32 and the quantized accuracy side by side (and which one the search
// ranked) wherever a candidate has them: the csv columns, Optuna's user attributes, MLflow's
// metrics and tags.
import { describe, expect, it } from 'vitest';
import type { SearchState } from '../../../core/engine/state.js';
import type { SearchExport } from '../../../core/export/collect.js';
import { mlflowRuns } from '../../../core/export/mlflow.js';
import { optunaJournal } from '../../../core/export/optuna.js';
import { METRIC_COLUMNS, type TrialSource, trialRows, trialsCsv } from '../../../core/export/trials.js';

const candidate = {
  network: { template: 'mobile-cnn' as const, stemFilters: 8, stages: [] },
  accelerator: {
    template: 'systolic' as const,
    rows: 8,
    cols: 8,
    dataflow: 'os' as const,
    ifmapSramKB: 64,
    filterSramKB: 64,
    ofmapSramKB: 32,
    clockMHz: 1000,
    weightBits: 4 as const,
  },
  hyperparameters: { learningRate: 0.01, weightDecay: 0, optimizer: 'adam' as const, batchSize: 32 },
};

const EVALUATIONS: TrialSource[] = [
  {
    cid: 'a',
    iteration: 1,
    status: 'ok',
    reward: 0.8,
    accuracySource: 'quantized',
    candidate,
    metrics: {
      accuracy: 0.9,
      valAccuracy: 0.88,
      fp32Accuracy: 0.93,
      fp32ValAccuracy: 0.91,
      quantizedAccuracy: 0.9,
      quantizedValAccuracy: 0.88,
      weightBits: 4,
      latencyMs: 0.5,
      energyMJ: 0.01,
      areaMM2: 1,
    },
    training: { trainSeconds: 3, stepsDone: 60, backend: 'cpu', examplesPerSec: 100 },
  },
  // Trained without a quantized model (an fp32 search): the quantized columns stay empty.
  {
    cid: 'b',
    iteration: 1,
    status: 'ok',
    reward: 0.7,
    accuracySource: 'fp32',
    candidate,
    metrics: { accuracy: 0.85, valAccuracy: 0.84, fp32Accuracy: 0.85, fp32ValAccuracy: 0.84, latencyMs: 0.4 },
  },
  // Never trained: no accuracy at all.
  {
    cid: 'c',
    iteration: 2,
    status: 'infeasible',
    reward: null,
    candidate,
    reason: 'area',
    metrics: { latencyMs: 9, energyMJ: 1, areaMM2: 99 },
  },
];

const rows = trialRows(EVALUATIONS, new Set(['a']));

function exported(): SearchExport {
  return {
    searchId: 's-1',
    spec: {},
    state: { startedAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T01:00:00.000Z' } as SearchState,
    results: {
      status: 'succeeded',
      strategy: 'random',
      seed: 0,
      specHash: 'h',
      iterations: 2,
      paretoFront: [],
    },
    rows,
    lossCurves: {},
  };
}

describe('fp32 and quantized accuracy in the exports', () => {
  it('csv: both accuracies, test and validation, the weight bits and the ranked source, empty where absent', () => {
    const [head, ...lines] = trialsCsv(rows).trim().split('\n');
    const cols = (head as string).split(',');
    const at = (line: string, col: string) => (line.split(',')[cols.indexOf(col)] as string) ?? '';
    for (const c of [
      'fp32Accuracy',
      'fp32ValAccuracy',
      'quantizedAccuracy',
      'quantizedValAccuracy',
      'weightBits',
      'accuracySource',
    ])
      expect(cols).toContain(c);
    // The ranked accuracy keeps its place right after the outcome columns.
    expect(cols.slice(7, 9)).toEqual(['accuracy', 'valAccuracy']);
    const [a, b, c] = lines as [string, string, string];
    expect([at(a, 'accuracy'), at(a, 'fp32Accuracy'), at(a, 'quantizedAccuracy')]).toEqual([
      '0.9',
      '0.93',
      '0.9',
    ]);
    expect([at(a, 'fp32ValAccuracy'), at(a, 'quantizedValAccuracy'), at(a, 'weightBits')]).toEqual([
      '0.91',
      '0.88',
      '4',
    ]);
    expect(at(a, 'accuracySource')).toBe('quantized');
    expect([at(b, 'fp32Accuracy'), at(b, 'quantizedAccuracy'), at(b, 'accuracySource')]).toEqual([
      '0.85',
      '',
      'fp32',
    ]);
    expect([
      at(c, 'accuracy'),
      at(c, 'fp32Accuracy'),
      at(c, 'quantizedAccuracy'),
      at(c, 'accuracySource'),
    ]).toEqual(['', '', '', '']);
  });

  it('optuna: the ranked accuracy is the objective, both accuracies and the source are user attributes', () => {
    const trials = optunaJournal(exported())
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { op_code: number; values?: number[]; user_attrs?: Record<string, unknown> },
      )
      .filter((l) => l.op_code === 4);
    const [a, b, c] = trials;
    expect(a?.values?.[0]).toBe(0.9);
    expect(a?.user_attrs).toMatchObject({
      fp32Accuracy: 0.93,
      quantizedAccuracy: 0.9,
      fp32ValAccuracy: 0.91,
      quantizedValAccuracy: 0.88,
      weightBits: 4,
      accuracy_source: 'quantized',
    });
    expect(b?.user_attrs).toMatchObject({ fp32Accuracy: 0.85, accuracy_source: 'fp32' });
    expect(b?.user_attrs).not.toHaveProperty('quantizedAccuracy');
    expect(c?.user_attrs).not.toHaveProperty('fp32Accuracy');
  });

  it('mlflow: one metric file per accuracy the run has, and the source as a tag', () => {
    const files = mlflowRuns(exported(), 'file:///tmp/mlruns');
    const runOf = (cid: string) => {
      const tag = files.find((f) => f.path.endsWith('/tags/cosearch.cid') && f.content === cid);
      if (!tag) throw new Error(`no run for ${cid}`);
      return tag.path.replace(/\/tags\/cosearch\.cid$/, '');
    };
    const has = (cid: string, rel: string) => files.find((f) => f.path === `${runOf(cid)}/${rel}`);
    for (const m of [
      'fp32Accuracy',
      'quantizedAccuracy',
      'fp32ValAccuracy',
      'quantizedValAccuracy',
      'weightBits',
    ])
      expect(has('a', `metrics/${m}`)?.content, m).toMatch(/^\d+ [\d.]+ 0\n$/);
    expect(has('a', 'metrics/fp32Accuracy')?.content).toMatch(/ 0\.93 0\n$/);
    expect(has('a', 'tags/cosearch.accuracySource')?.content).toBe('quantized');
    expect(has('b', 'metrics/fp32Accuracy')).toBeDefined();
    expect(has('b', 'metrics/quantizedAccuracy')).toBeUndefined();
    expect(has('c', 'metrics/fp32Accuracy')).toBeUndefined();
    expect(has('c', 'tags/cosearch.accuracySource')).toBeUndefined();
  });

  it('every accuracy an evaluation records has a column', () => {
    const recorded = Object.keys(EVALUATIONS[0]?.metrics ?? {});
    for (const m of recorded) expect(METRIC_COLUMNS as readonly string[]).toContain(m);
  });
});
