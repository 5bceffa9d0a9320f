import { keys } from '../../core/engine/keys.js';
import { loadSpec, type SearchState } from '../../core/engine/state.js';
import { getJson } from '../../core/store/json.js';
import { type Command, parseFlags, UsageError } from '../cli.js';
import { DRIVE_OPTIONS, driveSearch, searchHeader, workersFlag } from './run.js';
import { openStoreFlag, searchIdArg } from './store-flag.js';

export const command: Command = {
  name: 'resume',
  summary: 'Continue a stopped or interrupted search from its last complete iteration.',
  usage: 'cosearch resume SEARCH_ID [--store URI] [--workers N] [--json]',
  args: [{ name: 'SEARCH_ID', required: true, description: 'the search to continue (see `cosearch ls`)' }],
  flags: DRIVE_OPTIONS,
  examples: [
    ['cosearch resume s20250101120000-1a2b3c4d', 'continue from the last complete iteration'],
    ['cosearch resume s20250101120000-1a2b3c4d --workers 4', 'with more training threads'],
  ],
  async run(argv) {
    const { values, positionals } = parseFlags(argv, DRIVE_OPTIONS);
    const id = searchIdArg(positionals);
    const store = await openStoreFlag(values.store, 'read');
    if (!(await store.tryGet(keys.spec(id)))) throw new UsageError(`no search ${id} in ${store.uri}`);
    // A resumed search is wanted again: clear a stop flag left by Ctrl-C.
    await store.delete(keys.stop(id));
    if (!values.json) {
      const state = await getJson<SearchState>(store, keys.state(id));
      process.stdout.write(searchHeader(await loadSpec(store, id), id, store, state));
    }
    return driveSearch(store, id, values.json === true, workersFlag(values.workers));
  },
};
