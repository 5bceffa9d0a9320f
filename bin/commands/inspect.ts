// ls, status and results: read-only views of any store.

import type { Evaluation } from '../../core/engine/evaluation.js';
import { keys } from '../../core/engine/keys.js';
import type { SearchState } from '../../core/engine/state.js';
import { trialRows, trialsCsv } from '../../core/export/trials.js';
import { listAll, tryGetJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';
import { type Command, parseFlags, UsageError } from '../cli.js';
import { round, textTable } from '../table.js';
import { jsonOption, locate, openStoreFlag, searchIdArg, storeOption, storeSuffix } from './store-flag.js';

const ID_ARG = [
  { name: 'SEARCH_ID', required: true, description: 'a search in the store (see `cosearch ls`)' },
];
const EXAMPLE_ID = 's20250101120000-1a2b3c4d';

/** The searches of the index createSearch writes: the same list as GET /searches. */
async function searchIds(store: Store): Promise<string[]> {
  return (await listAll(store, keys.searchIndexPrefix)).map(keys.searchIdOfIndexKey).sort();
}

async function stateOf(store: Store, id: string): Promise<SearchState> {
  const s = await tryGetJson<SearchState>(store, keys.state(id));
  if (!s) throw new UsageError(`no search ${id} in ${store.uri}`);
  return s;
}

const LS_FLAGS = { ...storeOption, ...jsonOption } as const;

export const ls: Command = {
  name: 'ls',
  summary: 'List the searches in a store.',
  usage: 'cosearch ls [--store URI] [--json]',
  flags: LS_FLAGS,
  examples: [
    ['cosearch ls', 'the searches under ./runs'],
    ['cosearch ls --store s3://bucket/runs --json', 'as JSON, from S3'],
  ],
  async run(argv) {
    const { values } = parseFlags(argv, LS_FLAGS, false);
    const store = await openStoreFlag(values.store, 'read');
    const rows: SearchState[] = [];
    // One unreadable search (corrupt or missing state.json) must not hide the others.
    for (const id of await searchIds(store))
      try {
        rows.push(await stateOf(store, id));
      } catch (e) {
        process.stderr.write(`warning: skipping search ${id}: ${(e as Error).message}\n`);
      }
    if (values.json) process.stdout.write(`${JSON.stringify({ searches: rows })}\n`);
    else if (rows.length === 0) process.stdout.write(`no searches in ${store.uri}\n`);
    else
      process.stdout.write(
        textTable(
          ['SEARCH', 'STATUS', 'ITER', 'EVALUATED', 'BEST REWARD', 'STARTED'],
          rows.map((s) => [
            s.searchId,
            s.status,
            `${s.iteration}/${s.iterations}`,
            s.candidatesEvaluated,
            round(s.bestReward),
            s.startedAt.replace(/\.\d+Z$/, 'Z'),
          ]),
        ),
      );
    return 0;
  },
};

const STATUS_FLAGS = { ...storeOption, ...jsonOption } as const;

export const status: Command = {
  name: 'status',
  summary: "Show a search's progress, and where its results and report are.",
  usage: 'cosearch status SEARCH_ID [--store URI] [--json]',
  args: ID_ARG,
  flags: STATUS_FLAGS,
  examples: [
    [`cosearch status ${EXAMPLE_ID}`, 'progress, counters, paths'],
    [`cosearch status ${EXAMPLE_ID} --json`, 'state.json as it is, plus the paths'],
  ],
  async run(argv) {
    const { values, positionals } = parseFlags(argv, STATUS_FLAGS);
    const store = await openStoreFlag(values.store, 'read');
    const id = searchIdArg(positionals);
    const s = await stateOf(store, id);
    const hasResults = (await store.tryGet(keys.results(id))) !== undefined;
    const hasReport = (await store.tryGet(keys.report(id))) !== undefined;
    const paths = {
      ...(hasResults ? { results: locate(store, keys.results(id)) } : {}),
      ...(hasReport ? { report: locate(store, keys.report(id)) } : {}),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...s, ...paths })}\n`);
      return 0;
    }
    const rows: [string, string][] = [
      ['search', s.searchId],
      ['status', s.stopReason ? `${s.status} (${s.stopReason})` : s.status],
      ['iteration', `${s.iteration}/${s.iterations}`],
      [
        'evaluated',
        `${s.candidatesEvaluated} (trained ${s.trained}, cached ${s.cached}, infeasible ${s.infeasible}, failed ${s.failed})`,
      ],
      ['best reward', round(s.bestReward)],
      ['training time', `${round(s.trainSeconds, 3)} s`],
    ];
    if (s.supernet)
      rows.push([
        'supernet',
        `step ${s.supernet.step}/${s.supernet.steps}, val acc ${round(s.supernet.valAccuracy, 3)}${s.supernet.done ? ', done' : ''}`,
      ]);
    if (s.failure) rows.push(['failure', JSON.stringify(s.failure)]);
    rows.push(
      ['started', s.startedAt],
      ['updated', s.updatedAt],
      ['results', paths.results ?? 'not written yet'],
      ['report', paths.report ?? 'not written yet'],
    );
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(14)} ${v}\n`);
    if (s.status === 'stopped' || s.status === 'running' || s.status === 'created')
      process.stdout.write(`\ncontinue it with: cosearch resume ${id}${storeSuffix(store)}\n`);
    return 0;
  },
};

const RESULTS_FLAGS = {
  ...storeOption,
  json: { type: 'boolean', description: 'print the whole results.json' },
  csv: {
    type: 'boolean',
    description: 'CSV: one row per candidate with every decision as a column (with --all: every candidate)',
  },
  all: {
    type: 'boolean',
    description: 'every evaluated candidate, not only the Pareto front (table and --csv)',
  },
} as const;

interface StoredResults {
  status: string;
  iterations: number;
  paretoFront: Evaluation[];
  best?: { reward?: { cid: string } | null };
}

export const results: Command = {
  name: 'results',
  summary: "Print a finished search's Pareto front as a table (or every candidate, as JSON or CSV).",
  usage: 'cosearch results SEARCH_ID [--store URI] [--json | --csv] [--all]',
  args: ID_ARG,
  flags: RESULTS_FLAGS,
  examples: [
    [`cosearch results ${EXAMPLE_ID}`, 'the front as a short table'],
    [`cosearch results ${EXAMPLE_ID} --csv --all > trials.csv`, 'every candidate, a column per decision'],
    [`cosearch results ${EXAMPLE_ID} --json | jq .best`, 'the whole results.json'],
  ],
  async run(argv) {
    const { values, positionals } = parseFlags(argv, RESULTS_FLAGS);
    if (values.json && values.csv) throw new UsageError('give --json or --csv, not both');
    const store = await openStoreFlag(values.store, 'read');
    const id = searchIdArg(positionals);
    const s = await stateOf(store, id);
    const raw = await store.tryGet(keys.results(id));
    if (raw === undefined) throw new UsageError(`search ${id} has no results yet (status ${s.status})`);
    const text = Buffer.from(raw).toString('utf8');
    if (values.json) {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return 0;
    }
    const r = JSON.parse(text) as StoredResults;
    const front = new Set(r.paretoFront.map((e) => e.cid));
    // results.ts brings the simulator and cost model: loaded only for --all.
    const evaluations = values.all
      ? await (await import('../../core/engine/results.js')).loadEvaluations(store, id, r.iterations)
      : r.paretoFront;
    const rows = trialRows(evaluations, front);
    if (values.csv) {
      process.stdout.write(trialsCsv(rows));
      return 0;
    }
    const best = r.best?.reward?.cid;
    process.stdout.write(
      textTable(
        ['CANDIDATE', 'ITER', 'STATUS', 'REWARD', 'ACC %', 'LATENCY ms', 'ENERGY mJ', 'AREA mm2', 'PARAMS'],
        [...rows]
          .sort((a, b) => (b.reward ?? -Infinity) - (a.reward ?? -Infinity))
          .map((t) => [
            `${t.cid}${t.cid === best ? ' *' : ''}${values.all && t.onFront ? ' F' : ''}`,
            t.iteration,
            t.status,
            round(t.reward),
            t.metrics.accuracy === undefined ? null : (100 * t.metrics.accuracy).toFixed(2),
            round(t.metrics.latencyMs),
            round(t.metrics.energyMJ),
            round(t.metrics.areaMM2),
            t.metrics.params,
          ]),
      ),
    );
    const what = values.all
      ? `${rows.length} evaluations (F: on the front)`
      : `Pareto front of ${rows.length}`;
    process.stdout.write(
      `\n${what}, search ${r.status}; * highest reward. Every decision: --csv${values.all ? '' : ' --all'}; everything: --json\n`,
    );
    return 0;
  },
};
