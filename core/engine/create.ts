// Creating a search: the one entry the API, the CLI and the tests share. Everything that can
// refuse a spec runs before the first write, so a refused spec leaves nothing in the store.
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

export interface CreateOptions {
  now?: () => number;
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
  const now = (typeof options === 'function' ? options : options.now) ?? Date.now;
  assertRunnable(spec);
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
