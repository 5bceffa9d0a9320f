// Creating a search: the one entry the API, the CLI and the tests share. Everything that can
// refuse a spec (checkSearch) runs before the first write, so a refused spec leaves nothing.
import { checkDataset, type DatasetCheck } from '../data/check.js';
import type { ReadBytes } from '../data/source.js';
import type { SpecIssue } from '../spec/parse.js';
import type { SearchSpec } from '../spec/schema.js';
import { putJson, putJsonOnce } from '../store/json.js';
import type { Store } from '../store/store.js';
import { keys } from './keys.js';
import { newSearchState, specHashOf } from './state.js';
import { unsupportedIssues } from './support.js';

/** A spec the schema accepts but the engine cannot run as given; each issue names its field. */
export class SpecNotRunnableError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(`spec cannot run as given: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'SpecNotRunnableError';
  }
}

/** Refuses a spec the engine cannot run as given, before anything is written. */
export function assertRunnable(spec: SearchSpec): void {
  const issues = unsupportedIssues(spec);
  if (issues.length) throw new SpecNotRunnableError(issues);
}

/** One entry of the search index (`GET /searches`, `cosearch ls`). */
export interface SearchIndexEntry {
  searchId: string;
  name: string;
  createdAt: string;
}

/** Proof that checkSearch passed for a spec (so a caller that checked early is not read twice). */
export interface CheckedSearch {
  spec: SearchSpec;
  dataset: DatasetCheck;
}

/**
 * Everything that can refuse a search before it exists: the engine runs the spec as given, and
 * the dataset's files are readable and sound (its header, and the whole file when small).
 * Throws SpecNotRunnableError or DatasetError (naming the file).
 */
export async function checkSearch(
  spec: SearchSpec,
  options: { readBytes?: ReadBytes } = {},
): Promise<CheckedSearch> {
  assertRunnable(spec);
  return { spec, dataset: await checkDataset(spec.dataset, { readBytes: options.readBytes }) };
}

export interface CreateOptions {
  now?: () => number;
  /** Reads s3:// dataset files for the check. */
  readBytes?: ReadBytes;
  /** The result of checkSearch for this very spec, when the caller checked it already. */
  checked?: CheckedSearch;
}

/**
 * Check and store a new search: its spec, its `created` state and its index entry. Retrying with
 * the same id and spec is harmless (every write is put-if-absent or identical).
 */
export async function createSearch(
  store: Store,
  spec: SearchSpec,
  searchId: string,
  options: CreateOptions | (() => number) = {},
): Promise<{ searchId: string; specHash: string }> {
  const o = typeof options === 'function' ? { now: options } : options;
  const now = o.now ?? Date.now;
  if (o.checked?.spec !== spec) await checkSearch(spec, { readBytes: o.readBytes });
  const specHash = specHashOf(spec);
  const at = new Date(now()).toISOString();
  await putJsonOnce(store, keys.spec(searchId), spec);
  if (!(await store.tryGet(keys.state(searchId))))
    await putJson(store, keys.state(searchId), newSearchState(spec, searchId, at));
  if (!(await store.tryGet(keys.searchIndex(searchId)))) {
    const entry: SearchIndexEntry = { searchId, name: spec.name, createdAt: at };
    await putJson(store, keys.searchIndex(searchId), entry);
  }
  return { searchId, specHash };
}
