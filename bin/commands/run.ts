import { existsSync } from 'node:fs';
import { createSearch } from '../../core/engine/create.js';
import { newSearchId } from '../../core/engine/ids.js';
import { keys } from '../../core/engine/keys.js';
import type { SearchState } from '../../core/engine/state.js';
import { searchPlan } from '../../core/spec/plan.js';
import type { SearchSpec } from '../../core/spec/schema.js';
import { getJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';
import { loadNative, nativeBinaryPath } from '../../core/training/kernels/native.js';
import { HANG_GRACE_SECONDS } from '../../local/hang.js';
import { runSession } from '../../local/session.js';
import { type Command, parseFlags, positiveInt, UsageError } from '../cli.js';
import { progressPrinter } from '../progress.js';
import { checkSearchForCli } from './dataset-check.js';
import { loadRunnableSpec } from './spec-file.js';
import { locate, openStoreFlag, storeOption, storeSuffix } from './store-flag.js';

/** Flags shared by run and resume. */
export const DRIVE_OPTIONS = {
  ...storeOption,
  workers: {
    type: 'string',
    value: 'N',
    defaultText: "the spec's strategy.concurrency",
    description: 'worker threads that train children; 0 trains in this process',
  },
  json: {
    type: 'boolean',
    description: 'no progress; print one JSON object with the results and their paths at the end',
  },
} as const;

/** --workers N: 0 trains in-process, default the spec's concurrency. */
export function workersFlag(value: string | undefined): number | undefined {
  return value === '0' ? 0 : positiveInt('workers', value, 64);
}

/**
 * The native kernels are compiled with g++ the first time a machine trains (tens of seconds, and
 * every worker waits for it): do it here, said out loud, instead of behind a silent first child.
 */
function prepareKernels(say: (line: string) => void): void {
  const choice = process.env.COSEARCH_BACKEND ?? 'auto';
  if ((choice !== 'auto' && choice !== 'cpu+native') || process.env.COSEARCH_NATIVE_BUILD === '0') return;
  if (existsSync(nativeBinaryPath())) return;
  say('compiling the native kernels with g++ (once per machine and kernel version)...');
  const t0 = performance.now();
  const { error } = loadNative();
  const took = ((performance.now() - t0) / 1000).toFixed(0);
  say(
    error
      ? `no native kernels (${error}): training uses the WebAssembly or JS kernels`
      : `compiled in ${took} s`,
  );
}

/** What a person runs next: the results, the spreadsheet of every candidate, the report. */
function nextSteps(store: Store, searchId: string, status: string, reportPath: string): string {
  const s = storeSuffix(store);
  const lines =
    status === 'stopped'
      ? [[`cosearch resume ${searchId}${s}`, 'continue from the last complete iteration']]
      : [];
  lines.push(
    [`cosearch results ${searchId}${s}`, 'the Pareto front as a table'],
    [`cosearch results ${searchId}${s} --csv --all > trials.csv`, 'every candidate, a column per decision'],
    [`cosearch train --from ${searchId}/CID${s}`, 'retrain one candidate exactly'],
    [`open ${reportPath}`, 'the report: plots, every trial, the front'],
  );
  const width = Math.max(...lines.map(([c]) => c!.length));
  return `next:\n${lines.map(([c, what]) => `  ${c!.padEnd(width)}  # ${what}`).join('\n')}\n`;
}

/** The line that opens a run or a resume: what is searched, where, and from which iteration. */
export function searchHeader(spec: SearchSpec, searchId: string, store: Store, state?: SearchState): string {
  const plan = searchPlan(spec);
  const shape = plan.supernet
    ? `a supernet of ${plan.supernet.steps} steps in ${plan.supernet.chunks} chunks, then its top ${plan.batchSize} retrained`
    : `${plan.iterations} iterations × ${plan.batchSize} candidates`;
  const from =
    state && state.iteration > 0
      ? `; resuming after iteration ${state.iteration}/${state.iterations} (${state.candidatesEvaluated} children evaluated so far, best reward ${state.bestReward?.toFixed(4) ?? '-'})`
      : '';
  return `search ${searchId}: ${spec.strategy.name}, ${shape} on ${spec.dataset.uri}, store ${store.uri}${from}\n`;
}

/** Run (or resume) a stored search to its end with progress; Ctrl-C stops it cleanly. */
export async function driveSearch(
  store: Store,
  searchId: string,
  json: boolean,
  workers?: number,
): Promise<number> {
  const ctrl = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        `\nstopping after the current iteration (Ctrl-C again to abort now; continue later with: cosearch resume ${searchId}${storeSuffix(store)})...\n`,
      );
      ctrl.abort();
    } else {
      process.stderr.write(`\naborted: continue with: cosearch resume ${searchId}${storeSuffix(store)}\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  try {
    if (!json) prepareKernels((l) => process.stdout.write(`${l}\n`));
    const r = await runSession(store, searchId, {
      ...(workers !== undefined ? { workers } : {}),
      signal: ctrl.signal,
      ...(json ? {} : { onProgress: progressPrinter() }),
    });
    const results = await getJson<{ paretoFront: unknown[]; candidatesEvaluated: number; status: string }>(
      store,
      keys.results(searchId),
    );
    const where = {
      results: locate(store, keys.results(searchId)),
      report: locate(store, keys.report(searchId)),
    };
    if (json)
      process.stdout.write(
        `${JSON.stringify({ searchId, ...where, seconds: r.seconds, childSeconds: r.childSeconds, events: r.events, ...results })}\n`,
      );
    else
      process.stdout.write(
        `search ${searchId} ${results.status} in ${r.seconds.toFixed(1)} s (simulating or training ${((100 * r.childSeconds) / r.seconds).toFixed(0)}% of it): ${results.candidatesEvaluated} candidates evaluated, Pareto front of ${results.paretoFront.length}\nresults: ${where.results}\nreport:  ${where.report}\n\n${nextSteps(store, searchId, results.status, where.report)}`,
      );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const command: Command = {
  name: 'run',
  summary: 'Run a search locally through the synthesized state machine (no spec: the built-in example).',
  usage: 'cosearch run [SPEC.json] [--store URI] [--workers N] [--json]',
  args: [{ name: 'SPEC.json', description: 'the search spec (default: the built-in example, `{}`)' }],
  flags: DRIVE_OPTIONS,
  examples: [
    ['cosearch run', 'the built-in example: digits, 6 iterations × 6 candidates'],
    ['cosearch run examples/autohas.json --workers 2', 'a spec, children trained on 2 threads'],
    ['cosearch run spec.json --store s3://bucket/runs --json', 'results in S3, a JSON summary at the end'],
  ],
  details: `Ctrl-C stops cleanly after the current iteration (results are still written); a second Ctrl-C aborts.
Continue a stopped search with \`cosearch resume SEARCH_ID\`.

The spec's training.maxSeconds is checked between training steps: a child is cut short at the first
step that ends past it, so one long step (a big batch on a slow backend) overruns it. A child on a
worker thread still running ${HANG_GRACE_SECONDS} s past training.maxSeconds is stopped and recorded as hung.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, DRIVE_OPTIONS);
    if (positionals.length > 1)
      throw new UsageError(`expected at most one spec file, got ${positionals.length}`);
    const spec = await loadRunnableSpec(positionals[0]);
    const workers = workersFlag(values.workers);
    // A bad dataset stops here, before the search exists in the store.
    const checked = await checkSearchForCli(spec);
    const store = await openStoreFlag(values.store, 'write');
    const searchId = newSearchId(Date.now());
    await createSearch(store, spec, searchId, { checked });
    if (!values.json) process.stdout.write(searchHeader(spec, searchId, store));
    return driveSearch(store, searchId, values.json === true, workers);
  },
};
