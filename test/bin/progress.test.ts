// The progress line (bar and ETA first), the slow first steps announced, and a resumed search's
// counters and front counted from its start, not from the resume.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressBar, progressLine, progressPrinter } from '../../bin/progress.js';
import { createSearch } from '../../core/engine/create.js';
import { keys } from '../../core/engine/keys.js';
import type { SearchState } from '../../core/engine/state.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson } from '../../core/store/json.js';
import { type Progress, type ProgressEvent, runSession } from '../../local/session.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const p: Progress = {
  iteration: 2,
  iterations: 5,
  childrenDone: 8,
  childrenThisRun: 8,
  fraction: 0.4,
  startIteration: 0,
  trained: 7,
  failed: 1,
  infeasible: 0,
  cached: 0,
  bestReward: 0.91234,
  paretoSize: 3,
  elapsedSeconds: 75,
  etaSeconds: 112,
};

describe('progress line', () => {
  it('starts with the bar and the ETA, then iteration, children, best reward and front', () => {
    expect(progressLine(p)).toBe(
      '[########------------]  40% ETA 1m52s | iter 2/5 | children 8 (trained 7, infeasible 0, failed 1, cached 0) | best reward 0.9123 | Pareto 3 | 1m15s elapsed',
    );
    // Cut to 40 columns, the line still has the bar and the ETA.
    expect(progressLine(p).slice(0, 40)).toContain('ETA 1m52s');
    expect(progressBar(0)).toBe('[--------------------]   0%');
    expect(progressBar(1)).toBe('[####################] 100%');
  });

  it('says what a slow step is doing while it runs', () => {
    expect(progressLine({ ...p, phase: 'loading the dataset (builtin:digits)', etaSeconds: null })).toBe(
      '[########------------]  40% ETA ? | iter 2/5 | loading the dataset (builtin:digits)... | 1m15s elapsed',
    );
  });

  it('says the supernet step, reward and validation accuracy while an AutoHAS supernet trains', () => {
    const supernet = {
      step: 200,
      steps: 600,
      trainExamples: 12_800,
      evalExamples: 25_600,
      lastReward: 0.31,
      valAccuracy: 0.2734,
      done: false,
    };
    expect(progressLine({ ...p, iteration: 0, supernet })).toBe(
      '[#######-------------]  33% supernet step 200/600 | controller reward 0.3100 | supernet val acc 0.273 | 38400 example passes | 1m15s elapsed',
    );
  });

  it('prints plain lines per iteration (and each slow step once), not per child, when not a TTY', () => {
    const out: string[] = [];
    const print = progressPrinter({ isTTY: false, write: (s: string) => out.push(s) } as never);
    print({ ...p, phase: 'loading the dataset' }, 'phase');
    print(p, 'child');
    print(p, 'iteration');
    print(p, 'done');
    expect(out).toEqual(['loading the dataset...\n', `${progressLine(p)}\n`]);
  });
});

describe('a session tells the truth', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('announces the slow first steps, and after a resume counts children and the front from the start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosearch-progress-'));
    const store = new FileStore(dir);
    await createSearch(
      store,
      tinySpec({ strategy: { name: 'random', iterations: 3, batchSize: 3, seed: 5 } }),
      'prog-1',
    );
    // First run: stopped after its first iteration, as Ctrl-C does.
    const ctl = new AbortController();
    const first: [ProgressEvent, Progress][] = [];
    await runSession(store, 'prog-1', {
      workers: 0,
      signal: ctl.signal,
      onProgress: (q, e) => {
        first.push([e, q]);
        if (e === 'iteration') ctl.abort();
      },
    });
    const phases = first.filter(([e]) => e === 'phase').map(([, q]) => q.phase);
    expect(phases[0]).toMatch(/^loading the dataset \(builtin:digits\)/);
    expect(phases[1]).toMatch(/^training the first children/);
    const stopped = await getJson<SearchState>(store, keys.state('prog-1'));
    // The stop flag is read at the next loop check: the run ends after iteration 1 or 2.
    expect(stopped.iteration).toBeGreaterThan(0);
    expect(stopped.iteration).toBeLessThan(3);
    expect(stopped.candidatesEvaluated).toBeGreaterThan(0);

    await store.delete(keys.stop('prog-1'));
    const second: [ProgressEvent, Progress][] = [];
    await runSession(store, 'prog-1', { workers: 0, onProgress: (q, e) => second.push([e, q]) });
    const done = second.find(([e]) => e === 'done')![1];
    const end = await getJson<SearchState>(store, keys.state('prog-1'));
    const results = await getJson<{ paretoFront: unknown[] }>(store, keys.results('prog-1'));
    expect(done.startIteration).toBe(stopped.iteration);
    expect(done.iteration).toBe(3);
    expect(done.fraction).toBe(1);
    // Earlier children and this run's together, as state.json counts them; the front as results.json has it.
    expect(done.childrenDone).toBe(end.candidatesEvaluated);
    expect(done.childrenThisRun).toBe(end.candidatesEvaluated - stopped.candidatesEvaluated);
    expect(done.paretoSize).toBe(results.paretoFront.length);
    // The first snapshot of the resumed run already knows the earlier front.
    expect(second[0]![1].paretoSize).toBeGreaterThan(0);
  });
});
