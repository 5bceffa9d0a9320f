import { createSearch } from '../../core/engine/create.js';
import { newSearchId } from '../../core/engine/ids.js';
import { keys } from '../../core/engine/keys.js';
import { searchPlan } from '../../core/spec/plan.js';
import { getJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';
import { runSession } from '../../local/session.js';
import { type Command, parseFlags, positiveInt, UsageError } from '../cli.js';
import { progressPrinter } from '../progress.js';
import { checkSearchForCli } from './dataset-check.js';
import { loadRunnableSpec } from './spec-file.js';
import { locate, openStoreFlag, storeOption } from './store-flag.js';

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
      process.stderr.write('\nstopping after the current iteration (Ctrl-C again to abort now)...\n');
      ctrl.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
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
        `search ${searchId} ${results.status} in ${r.seconds.toFixed(1)} s (simulating or training ${((100 * r.childSeconds) / r.seconds).toFixed(0)}% of it): ${results.candidatesEvaluated} candidates evaluated, Pareto front of ${results.paretoFront.length}\nresults: ${where.results}\nreport:  ${where.report}\n`,
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
  details:
    'Ctrl-C stops cleanly after the current iteration (results are still written); a second Ctrl-C aborts.\nContinue a stopped search with `cosearch resume SEARCH_ID`.',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, DRIVE_OPTIONS);
    if (positionals.length > 1)
      throw new UsageError(`expected at most one spec file, got ${positionals.length}`);
    const spec = await loadRunnableSpec(positionals[0]);
    const workers = workersFlag(values.workers);
    // A bad dataset stops here, before the search exists in the store.
    const checked = await checkSearchForCli(spec);
    const store = openStoreFlag(values.store);
    const searchId = newSearchId(Date.now());
    await createSearch(store, spec, searchId, { checked });
    if (!values.json) {
      const plan = searchPlan(spec);
      const shape = plan.supernet
        ? `a supernet of ${plan.supernet.steps} steps in ${plan.supernet.chunks} chunks, then its top ${plan.batchSize} retrained`
        : `${plan.iterations} iterations × ${plan.batchSize} candidates`;
      process.stdout.write(
        `search ${searchId}: ${spec.strategy.name}, ${shape} on ${spec.dataset.uri}, store ${store.uri}\n`,
      );
    }
    return driveSearch(store, searchId, values.json === true, workers);
  },
};
