// ls, status and results: read-only views of any store.

import type { Evaluation } from '../../core/engine/evaluation.js';
import { keys } from '../../core/engine/keys.js';
import type { SearchState } from '../../core/engine/state.js';
import { listAll, tryGetJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';
import { type Command, parseFlags, printUsage, UsageError } from '../cli.js';
import { openStoreFlag, searchIdArg, storeOption } from './store-flag.js';

/** The searches of the index createSearch writes: the same list as GET /searches. */
async function searchIds(store: Store): Promise<string[]> {
  return (await listAll(store, keys.searchIndexPrefix)).map(keys.searchIdOfIndexKey).sort();
}

async function stateOf(store: Store, id: string): Promise<SearchState> {
  const s = await tryGetJson<SearchState>(store, keys.state(id));
  if (!s) throw new UsageError(`no search ${id} in ${store.uri}`);
  return s;
}

export const ls: Command = {
  name: 'ls',
  summary: 'List the searches in a store.',
  usage: 'cosearch ls [--store URI] [--json]',
  async run(argv) {
    const { values } = parseFlags(argv, { ...storeOption, json: { type: 'boolean' } }, false);
    if (values.help) {
      printUsage(this);
      return 0;
    }
    const store = openStoreFlag(values.store);
    const rows = [];
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
      for (const s of rows)
        process.stdout.write(
          `${s.searchId}  ${s.status.padEnd(9)}  iter ${s.iteration}/${s.iterations}  ${s.candidatesEvaluated} evaluated  best ${s.bestReward?.toFixed(4) ?? '-'}  ${s.startedAt}\n`,
        );
    return 0;
  },
};

export const status: Command = {
  name: 'status',
  summary: "Show a search's progress.",
  usage: 'cosearch status SEARCH_ID [--store URI] [--json]',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...storeOption, json: { type: 'boolean' } });
    if (values.help) {
      printUsage(this);
      return 0;
    }
    const store = openStoreFlag(values.store);
    const s = await stateOf(store, searchIdArg(positionals));
    if (values.json) process.stdout.write(`${JSON.stringify(s)}\n`);
    else
      for (const [k, v] of Object.entries(s))
        process.stdout.write(
          `${k.padEnd(20)} ${v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`,
        );
    return 0;
  },
};

const CSV_COLUMNS = [
  'cid',
  'iteration',
  'status',
  'reward',
  'accuracy',
  'latencyMs',
  'energyMJ',
  'areaMM2',
  'params',
  'macs',
  'cached',
] as const;

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const results: Command = {
  name: 'results',
  summary: "Print a finished search's Pareto front (JSON, or CSV with --csv).",
  usage: 'cosearch results SEARCH_ID [--store URI] [--csv]',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...storeOption, csv: { type: 'boolean' } });
    if (values.help) {
      printUsage(this);
      return 0;
    }
    const store = openStoreFlag(values.store);
    const id = searchIdArg(positionals);
    const s = await stateOf(store, id);
    const r = await tryGetJson<{ paretoFront: Evaluation[] }>(store, keys.results(id));
    if (!r) throw new UsageError(`search ${id} has no results yet (status ${s.status})`);
    if (!values.csv) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${CSV_COLUMNS.join(',')}\n`);
    for (const e of r.paretoFront) {
      const row: Record<string, unknown> = {
        ...e.metrics,
        cid: e.cid,
        iteration: e.iteration,
        status: e.status,
        reward: e.reward,
        cached: e.cached,
      };
      process.stdout.write(`${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`);
    }
    return 0;
  },
};
